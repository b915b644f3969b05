#!/bin/sh
# The lower target (fuzz/fuzz_lower.c) under libFuzzer.
exec sh fuzz/libfuzzer.sh lower
