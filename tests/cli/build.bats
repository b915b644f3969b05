#!/usr/bin/env bats
# The build as a consumer sees it: what the library links against, and
# what `make install` puts where.
bats_require_minimum_version 1.5.0

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	BUILD_DIR=${ADAC_TEST_BUILD:-$TOP/build}
	cd "$BATS_TEST_TMPDIR"
}

# The symbols an archive leaves undefined that belong to adac-live's own
# dependencies: JACK (jack_*), microhttpd (MHD_*), liblo (lo_*) and
# qrencode (QRcode_*).
live_symbols() {
	nm -u "$1" | awk '{ print $NF }' | grep -E '^(jack_|MHD_|lo_|QRcode_)' | sort -u
}

@test "build: libadac.a needs none of JACK, microhttpd, liblo or qrencode" {
	[ -f "$BUILD_DIR/libadac.a" ]
	run live_symbols "$BUILD_DIR/libadac.a"
	[ "$output" = "" ]
}

@test "build: live/'s archive is where those dependencies are" {
	# the check above could pass on an empty nm: the same query finds
	# all four libraries in the archive that does use them
	[ -f "$BUILD_DIR/libadac-live.a" ]
	run live_symbols "$BUILD_DIR/libadac-live.a"
	echo "$output"
	[[ "$output" == *jack_client_open* ]]
	[[ "$output" == *MHD_start_daemon* ]]
	[[ "$output" == *lo_message_new* ]]
	[[ "$output" == *QRcode_encodeString* ]]
}

@test "build: no module of lib/ includes a header of live/" {
	run grep -l -E '#include "live[_.a-z]*\.h"' "$TOP"/lib/*.c "$TOP"/lib/*.h
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
}

# The shared objects a run of the program loads, one soname per line, from
# the dynamic loader's own trace (its lines "file=NAME [0];  needed by ...").
loaded() {
	LD_DEBUG=files "$@" 2>&1 >/dev/null |
		sed -n 's/.*file=\([^ ]*\).*/\1/p' | sed 's|.*/||' | sort -u
}

@test "build: adac-lower and adac-emit run without loading LAPACK, ARPACK or OpenBLAS" {
	adac-lower "$TOP/examples/fdn4-adac.json" > ir.json
	adac-certify -o cert.json ir.json
	run loaded adac-lower "$TOP/examples/fdn4-adac.json"
	[ "$status" -eq 0 ]
	[[ "$output" == *libjansson.so* ]]
	[[ "$output" != *lapack* ]]
	[[ "$output" != *arpack* ]]
	[[ "$output" != *openblas* ]]
	run loaded adac-emit cert.json
	[ "$status" -eq 0 ]
	[[ "$output" == *libjansson.so* ]]
	[[ "$output" != *lapack* ]]
	[[ "$output" != *openblas* ]]
}

@test "build: adac-certify loads LAPACK, ARPACK and OpenBLAS when it needs them" {
	# the check above is only as good as the trace: here it finds them.
	# LAPACK and OpenBLAS for the matrix norms of any loop...
	adac-lower "$TOP/examples/fdn4-adac.json" > ir.json
	run loaded adac-certify ir.json
	[ "$status" -eq 0 ]
	[[ "$output" == *liblapacke.so.3* ]]
	[[ "$output" == *libopenblas.so.0* ]]
	[[ "$output" != *libarpack* ]]
	# ...ARPACK only for the modes of a loop beyond the dense size (500
	# states): the non-normal loop with lines of 1000 and 1500 samples
	jq '.graph.of[1].forward.samples = [1000, 1500]' \
		"$TOP/tests/data/certify/nonnormal.json" > big.json
	run loaded adac-certify --precision double big.json
	[ "$status" -eq 0 ]
	[[ "$output" == *libarpack.so.2* ]]
}

# make, as the test suite's own build was made (the sanitizer tree or not),
# outside the make that runs the suite
run_make() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$TOP" \
		BUILD="${BUILD:-build}" SANITIZE="${SANITIZE:-}" "$@"
}

@test "build: an installed libadac links from pkg-config's flags alone, headers under <adac/...>" {
	command -v pkg-config >/dev/null || skip "pkg-config is not installed"
	p=$BATS_TEST_TMPDIR/prefix
	run_make install PREFIX="$p"
	# the public headers only, in their directory
	ls "$p/include/adac" > headers
	# 18 C headers, fixpoint.hpp, the fixpoint_t that faust -fx programs
	# compile against (adac-emit(1) --precision), and fixpoint-arch.cpp,
	# the architecture that hands out their raw outputs (adac-diff(1))
	[ "$(sed -n '$=' headers)" -eq 20 ]
	grep -qx ir.h headers
	grep -qx fixpoint.hpp headers
	grep -qx fixpoint-arch.cpp headers
	run grep -x -e cli.h -e linalg.h -e faust_worker.h -e live.h headers
	[ "$status" -eq 1 ]
	[ ! -e "$p/include/ir.h" ]
	cat > consumer.c <<'C'
#include <stdio.h>
#include <string.h>
#include <adac/ir.h>
#include <adac/lower.h>
#include <adac/certify.h>
#include <adac/emit_faust.h>

/* a native one-gain IR: parse, hash; the hash is the IR's identity */
int
main(void)
{
	const char *text = "{\"adac\": \"ir/1\", \"name\": \"G\", \"fs\": 48000,"
	    " \"inputs\": 1, \"outputs\": 1,"
	    " \"graph\": {\"op\": \"gain\", \"values\": [0.5]}}";
	struct adac_ir *ir = NULL;
	struct adac_error err;
	char hex[65];

	if (adac_ir_parse_text(text, strlen(text), &ir, &err) != ADAC_OK ||
	    adac_ir_hash(ir, hex, &err) != ADAC_OK) {
		fprintf(stderr, "%s: %s\n", err.pointer, err.text);
		return 1;
	}
	printf("%s\n", hex);
	adac_ir_free(ir);
	return 0;
}
C
	export PKG_CONFIG_PATH=$p/lib/pkgconfig
	san=""
	[ "${SANITIZE:-}" = 1 ] && san="-fsanitize=address,undefined"
	# not --static: the archive's dependencies must come without it
	cc $san -std=c11 -o consumer consumer.c $(pkg-config --cflags --libs adac)
	run ./consumer
	[ "$status" -eq 0 ]
	# the same IR through adac-ir hash, the reference for the identity
	printf '%s' '{"adac": "ir/1", "name": "G", "fs": 48000, "inputs": 1, "outputs": 1, "graph": {"op": "gain", "values": [0.5]}}' > g.json
	[ "$output" = "$(adac-ir hash g.json)" ]
}

@test "build: make uninstall removes everything make install put in place, man pages included" {
	p=$BATS_TEST_TMPDIR/prefix
	run_make install PREFIX="$p"
	[ -f "$p/share/man/man1/adac-emit.1" ]
	[ -f "$p/share/man/man5/adac-ir.5" ]
	[ -f "$p/share/man/man7/adac.7" ]
	run_make uninstall PREFIX="$p"
	run find "$p" -type f
	[ "$output" = "" ]
}

@test "build: -Werror is on in make check and off in a plain build" {
	# make -n -B prints the compile lines without running them
	run_make -n -B "${BUILD:-build}/lib/error.o" > plain
	grep -q 'lib/error.c' plain
	run grep -c -e '-Werror' plain
	[ "$output" = 0 ]
	run_make -n -B check > checked
	grep 'lib/error.c' checked | grep -q -e '-Werror'
}
