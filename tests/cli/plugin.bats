#!/usr/bin/env bats
# adac-plugin: certified IRs built into LV2 bundles and JACK programs,
# verified against the model in process (liblilv) and again from outside
# with the stock hosts (lv2info, lv2file, jalv) and adac-diff.
bats_require_minimum_version 1.5.0

URI4=https://adac.dev/plugins/FDN4
URI16=https://adac.dev/plugins/Room16

# The bundled FDN examples with their controls, certified, and built once
# for the whole file into lv2/ (a directory that holds only bundles, so
# that the hosts' LV2_PATH scan has nothing else to complain about).
# fdn16 has one input and two outputs, and dry_wet needs as many of
# each (adac-lower refuses it), so it gets rt60 alone.
setup_file() {
	cd "$BATS_FILE_TMPDIR"
	mkdir lv2
	adac-lower --control rt60 --control dry_wet "$BATS_TEST_DIRNAME/../../examples/fdn4-adac.json" |
		adac-certify > fdn4-adac.json
	adac-lower --control rt60 "$BATS_TEST_DIRNAME/../../examples/fdn16.json" |
		adac-certify > fdn16.json
	adac-plugin -o lv2/FDN4.lv2 fdn4-adac.json > fdn4.report 2> fdn4.stderr
	adac-plugin -o lv2/FDN16.lv2 fdn16.json > fdn16.report 2> fdn16.stderr
	# a unit impulse, 4 s: long enough for the response at rt60 = 3 s to decay by 60 dB
	echo '{"adac":"ir/1","name":"id","fs":48000,"inputs":1,"outputs":1,"graph":{"op":"gain","values":[1]}}' > id.json
	adac-ir impulse -n 192000 --format wav -t float32 -o impulse.wav id.json
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	F=$BATS_FILE_TMPDIR
	export LV2_PATH=$F/lv2
	# the JACK console program keeps its knobs in ~/.NAMErc
	export HOME=$BATS_TEST_TMPDIR
	JACKD_PID=
}

teardown() {
	if [ -n "$JACKD_PID" ]; then
		kill "$JACKD_PID" 2>/dev/null || :
		wait "$JACKD_PID" 2>/dev/null || :
	fi
}

# What the test directory holds, less the files of bats' own `run`.
files() {
	ls -A | grep -v '^separate-stderr-' || :
}

# A JACK server of our own, on the dummy driver, under a name no other
# test uses; skipped (with the reason) when jackd cannot start here.
start_jackd() {
	export JACK_DEFAULT_SERVER=adac-plugin-test-$$-$BATS_TEST_NUMBER
	jackd -n "$JACK_DEFAULT_SERVER" -d dummy -r 48000 -p 256 > jackd.log 2>&1 &
	JACKD_PID=$!
	if ! jack_wait -w -t 5 > /dev/null 2>&1; then
		skip "jackd -d dummy cannot start here: $(tail -n 1 jackd.log)"
	fi
}

@test "adac-plugin: both FDN examples build, verified equal at every knob position, quietly" {
	for m in fdn4 fdn16; do
		[ "$(cat "$F/$m.stderr")" = "" ]
		[ "$(jq -r .verdict "$F/$m.report")" = equal ]
		[ "$(jq -c '[.positions[] | .precision] | unique' "$F/$m.report")" = '["float"]' ]
	done
	# defaults, rt60 at 0.1 and at 10, dry_wet at 0 (its maximum is its default)
	[ "$(jq -c '[.positions[] | [.at, .verdict]]' "$F/fdn4.report")" = '[["default","equal"],["rt60 at its minimum","equal"],["rt60 at its maximum","equal"],["dry_wet at its minimum","equal"]]' ]
	[ "$(jq -c '[.positions[] | [.at, .verdict]]' "$F/fdn16.report")" = '[["default","equal"],["rt60 at its minimum","equal"],["rt60 at its maximum","equal"]]' ]
	[ "$(ls "$F/lv2/FDN4.lv2")" = "$(printf '%s\n' FDN4.dsp FDN4.so FDN4.ttl manifest.ttl)" ]
}

@test "adac-plugin: lv2info lists every port with the IR's ranges and defaults, and lilv warns of nothing" {
	run --separate-stderr lv2info "$URI4"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	ports=$(echo "$output" | grep -E '^\s*(Port [0-9]+:|Symbol:|Minimum:|Maximum:|Default:)' | tr -s ' \t' ' ')
	[ "$ports" = "$(printf '%s\n' ' Port 0:' ' Symbol: dry_wet' ' Minimum: 0.000000' ' Maximum: 1.000000' ' Default: 1.000000' \
		' Port 1:' ' Symbol: rt60' ' Minimum: 0.100000' ' Maximum: 10.000000' ' Default: 2.000000' \
		' Port 2:' ' Symbol: in0' ' Port 3:' ' Symbol: out0')" ]
	run --separate-stderr lv2info "$URI16"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$(echo "$output" | grep -c 'Symbol:')" -eq 4 ]
}

@test "adac-plugin: the RDF carries the certificate, the IR's hash and the rt60 unit" {
	ttl=$F/lv2/FDN4.lv2/FDN4.ttl
	grep -qx "	adac:verdict \"certified-stable\" ;" "$ttl"
	grep -qx "	adac:irSha256 \"$(adac-ir hash "$F/fdn4-adac.json")\" ;" "$ttl"
	grep -qx "	adac:bound $(jq .certificate.bound "$F/fdn4-adac.json") ;" "$ttl"
	grep -qx '	adac:precision "float32" ;' "$ttl"
	grep -q "rdfs:comment \"adac certificate: certified-stable, small-gain bound " "$ttl"
	grep -qx '		units:unit units:s ;' "$ttl"
	# the namespace is the one the man page documents
	grep -qx '@prefix adac: <https://adac.dev/ns#> .' "$ttl"
	! grep -q warning "$ttl"
}

# lv2file (an external host) renders the impulse through the plugin at rt60 = T
render_equal() {
	local uri=$1 model=$2 t=$3
	lv2file -i "$F/impulse.wav" -o "out-$t.wav" -p "rt60:$t" "$uri" 2> lv2file.err
	run --separate-stderr adac-diff --set "rt60=$t" "$model" "out-$t.wav"
	echo "$uri rt60=$t: $(echo "$output" | jq -c .overall)"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .overall.verdict)" = equal ]
	echo "$output" | jq -e '.overall.worst_error_db <= -100' > /dev/null
}

# (at 3 s, FDN16's response takes more than the 4 s impulse file to decay by 60 dB)
@test "adac-plugin: lv2file renders both plugins equal to the IR at two rt60 values (<= -100 dB)" {
	render_equal "$URI4" "$F/fdn4-adac.json" 1
	render_equal "$URI4" "$F/fdn4-adac.json" 3
	render_equal "$URI16" "$F/fdn16.json" 1
	render_equal "$URI16" "$F/fdn16.json" 2
}

@test "adac-plugin: adac-diff takes a bundle directory, --set naming its ports" {
	run --separate-stderr adac-diff --set rt60=0.5 --set dry_wet=0.25 "$F/fdn4-adac.json" "$F/lv2/FDN4.lv2"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .overall.verdict)" = equal ]
	run --separate-stderr adac-diff --set width=1 "$F/lv2/FDN4.lv2" "$F/lv2/FDN4.lv2"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-diff: error: $F/lv2/FDN4.lv2: no control port 'width' (neither its lv2:symbol nor its lv2:name)" ]
}

# refused IN MESSAGE: exit 1, that one line, nothing written, nothing left behind
refused() {
	local in=$1 msg=$2
	mkdir out
	run --separate-stderr adac-plugin -o out/P.lv2 "$in"
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-plugin: error: $in: $msg" ]
	[ "$(ls -A out)" = "" ]
}

@test "adac-plugin: an uncertified IR is refused and nothing is written" {
	jq 'del(.certificate)' "$F/fdn4-adac.json" > u.json
	refused u.json "/certificate: no certificate; run adac-certify first"
}

@test "adac-plugin: a stale certificate is refused and nothing is written" {
	jq '.graph.of[0].of[1].forward.of[0].samples[0] += 1' "$F/fdn4-adac.json" > s.json
	refused s.json "/certificate/hash: certificate is stale; rerun adac-certify"
}

@test "adac-plugin: an unstable IR is refused and nothing is written" {
	run adac-certify "$BATS_TEST_DIRNAME/../data/certify/hadamard-1001.json" -o u.json
	[ "$(jq -r .certificate.verdict u.json)" = unstable ]
	refused u.json "/certificate/verdict: certificate verdict is 'unstable'"
}

@test "adac-plugin: --force builds an uncertified IR, warns, and writes the warning into the RDF" {
	jq 'del(.certificate)' "$F/fdn4-adac.json" > u.json
	run --separate-stderr adac-plugin --force -o U.lv2 u.json
	[ "$status" -eq 0 ]
	[ "$stderr" = "adac-plugin: warning: u.json: /certificate: no certificate; run adac-certify first; building anyway (--force): the plugin is NOT certified" ]
	[ "$(echo "$output" | jq -r .verdict)" = equal ]
	grep -qx '	adac:warning "/certificate: no certificate; run adac-certify first" ;' U.lv2/FDN4.ttl
	grep -q 'rdfs:comment "WARNING: NOT CERTIFIED, built with --force: /certificate: no certificate' U.lv2/FDN4.ttl
	! grep -q 'adac:verdict' U.lv2/FDN4.ttl
	grep -q '^// certificate: NOT VALID, built with --force: /certificate: no certificate' U.lv2/FDN4.dsp
}

@test "adac-plugin: a program edited between emit and build is caught and nothing is written" {
	# one delay one sample longer: compiles, runs, and is not the model
	sed 's/@(1446)/@(1447)/' "$F/lv2/FDN4.lv2/FDN4.dsp" > edited.dsp
	! cmp -s edited.dsp "$F/lv2/FDN4.lv2/FDN4.dsp"
	mkdir out
	run --separate-stderr adac-plugin --dsp edited.dsp -o out/P.lv2 "$F/fdn4-adac.json"
	[ "$status" -eq 1 ]
	[ "$stderr" = "adac-plugin: error: $F/fdn4-adac.json: the built plugin is not equal to the IR (different with default); nothing written" ]
	[ "$(echo "$output" | jq -r .verdict)" = different ]
	[ "$(echo "$output" | jq -r '.positions[0].verdict')" = different ]
	[ "$(ls -A out)" = "" ]
}

@test "adac-plugin: the unedited program given with --dsp builds and verifies" {
	run --separate-stderr adac-plugin --dsp "$F/lv2/FDN4.lv2/FDN4.dsp" -o P.lv2 "$F/fdn4-adac.json"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .verdict)" = equal ]
}

@test "adac-plugin: another model's binary copied into the bundle is caught by adac-diff" {
	# same name and URI, one delay a sample longer, certified in its own right
	jq '.graph.of[0].of[1].forward.of[0].samples[0] += 1' "$F/fdn4-adac.json" | adac-certify > other.json
	adac-plugin -o Other.lv2 other.json > /dev/null
	cp -r "$F/lv2/FDN4.lv2" T.lv2
	run adac-diff "$F/fdn4-adac.json" T.lv2
	[ "$status" -eq 0 ]
	cp Other.lv2/FDN4.so T.lv2/FDN4.so
	run --separate-stderr adac-diff "$F/fdn4-adac.json" T.lv2
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r .overall.verdict)" = different ]
}

@test "adac-plugin: jalv runs the plugin for a second against a dummy JACK server and exits cleanly" {
	start_jackd
	# jalv's console reads commands from stdin and exits at its end
	run --separate-stderr bash -c "sleep 1 | jalv -c rt60=3 '$URI4'"
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	echo "$output" | grep -qx 'JACK Name:    FDN4'
	echo "$output" | grep -qx 'rt60 = 3.000000'
	kill -0 "$JACKD_PID"
}

@test "adac-plugin: --format jack builds a verified JACK program that runs a second and quits" {
	run --separate-stderr adac-plugin --format jack -o fdn4-jack "$F/fdn4-adac.json"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.format, .verdict')" = "$(printf 'jack\nequal')" ]
	[ -x fdn4-jack ]
	[ "$(files)" = fdn4-jack ]
	start_jackd
	# the console program quits on 'q'
	run --separate-stderr bash -c "(sleep 1; echo q) | ./fdn4-jack"
	[ "$status" -eq 0 ]
	echo "$output" | grep -qx "Type 'q' to quit"
}

@test "adac-plugin: bad usage is exit 2 with one line" {
	run --separate-stderr adac-plugin --format vst "$F/fdn4-adac.json"
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "adac-plugin: error: --format 'vst': expected lv2 or jack" ]
	run --separate-stderr adac-plugin < "$F/fdn4-adac.json"
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "adac-plugin: error: -o is needed when the IR comes from stdin" ]
	cp "$F/fdn4-adac.json" model
	run --separate-stderr adac-plugin --format jack model
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "adac-plugin: error: the output would replace 'model': give -o" ]
	cmp model "$F/fdn4-adac.json"
	rm model
	run --separate-stderr adac-plugin --uri 'not a uri' -o P.lv2 "$F/fdn4-adac.json"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-plugin: error: $F/fdn4-adac.json: URI 'not a uri' is not an absolute URI without spaces or <>\"{}|^\`\\" ]
	[ "$(files)" = "" ]
}

@test "adac-plugin: the default output is the IR's path with .lv2 for .ir.json" {
	cp "$F/fdn4-adac.json" model.ir.json
	run --separate-stderr adac-plugin --name Room --uri urn:adac:test:room model.ir.json
	[ "$status" -eq 0 ]
	[ "$(ls model.lv2)" = "$(printf '%s\n' Room.dsp Room.so Room.ttl manifest.ttl)" ]
	grep -qx '<urn:adac:test:room>' model.lv2/Room.ttl
	grep -qx '	doap:name "Room" ;' model.lv2/Room.ttl
}
