#!/usr/bin/env bats
# The build as a consumer sees it: what the library links against, and
# what `make install` puts where.
bats_require_minimum_version 1.5.0

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	BUILD_DIR=${ADAC_TEST_BUILD:-$TOP/build}
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
	cd "$BATS_TEST_TMPDIR"
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
	# the check above is only as good as the trace: here it finds them
	cd "$BATS_TEST_TMPDIR"
	adac-lower "$TOP/examples/fdn4-adac.json" > ir.json
	run loaded adac-certify ir.json
	[ "$status" -eq 0 ]
	[[ "$output" == *liblapacke.so.3* ]]
	[[ "$output" == *libarpack.so.2* ]]
	[[ "$output" == *libopenblas.so.0* ]]
}
