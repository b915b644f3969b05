#!/bin/sh
# The ir target (fuzz/fuzz_ir.c) under libFuzzer.
exec sh fuzz/libfuzzer.sh ir
