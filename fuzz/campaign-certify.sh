#!/bin/sh
# The certify target (fuzz/fuzz_certify.c) under libFuzzer.
exec sh fuzz/libfuzzer.sh certify
