#!/bin/sh
# fdn-ir.sh N [LIVE] - print the ir/1 document of an N-line feedback delay
# network (N a power of two): one input fanned out to every line, delays
# of successive primes from 199, a Hadamard feedback matrix scaled to be
# orthogonal (1/sqrt(N)), per-line gains 0.97, and the lines summed with
# weight 1/N.  The benchmarks and tests of adac-live use it; it needs only
# POSIX awk.  With LIVE=1 the gains differ by a seed (to make value-only
# changes): gain i = 0.97 - 0.001 * ((i + SEED) % 7).
n=${1:?usage: fdn-ir.sh N [SEED]}
seed=${2:-0}
awk -v n="$n" -v seed="$seed" '
function isprime(k,   d) { for (d = 2; d * d <= k; d++) if (k % d == 0) return 0; return 1 }
function parity(r, c,   p) { p = 0; while (r > 0 && c > 0) { p += (r % 2) * (c % 2); r = int(r / 2); c = int(c / 2) } return p % 2 }
BEGIN {
	s = 1 / sqrt(n)
	printf "{\"adac\":\"ir/1\",\"name\":\"fdn%d\",\"fs\":48000,\"inputs\":1,\"outputs\":1,\n", n
	printf "\"graph\":{\"op\":\"series\",\"of\":[\n"
	printf "{\"op\":\"matrix\",\"data\":["
	for (i = 0; i < n; i++) printf "%s[1]", (i ? "," : "")
	printf "]},\n{\"op\":\"feedback\",\"id\":\"fdn\",\"forward\":{\"op\":\"delay\",\"samples\":["
	k = 199
	for (i = 0; i < n; i++) { while (!isprime(k)) k++; printf "%s%d", (i ? "," : ""), k; k++ }
	printf "]},\n\"back\":{\"op\":\"series\",\"of\":[{\"op\":\"matrix\",\"structure\":{\"kind\":\"hadamard\",\"scale\":%.17g},\"data\":[", s
	for (r = 0; r < n; r++) {
		printf "%s[", (r ? "," : "")
		for (c = 0; c < n; c++) printf "%s%.17g", (c ? "," : ""), (parity(r, c) ? -s : s)
		printf "]"
	}
	printf "]},\n{\"op\":\"gain\",\"values\":["
	for (i = 0; i < n; i++) printf "%s%.17g", (i ? "," : ""), 0.97 - 0.001 * ((i + seed) % 7)
	printf "]}]}},\n{\"op\":\"matrix\",\"data\":[["
	for (i = 0; i < n; i++) printf "%s%.17g", (i ? "," : ""), 1 / n
	printf "]]}]}}\n"
}'
