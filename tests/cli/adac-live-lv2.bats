#!/usr/bin/env bats
# adac-live.lv2 in the real hosts a user has: lv2info lists it, lv2file
# renders through it offline with a session's preset (the path of a
# program), and jalv runs it against a JACK server the test starts.
# The plugin's own behaviour (swaps, values, knobs, state) is tested in
# a liblilv host: tests/unit/test_live_lv2.c.
bats_require_minimum_version 1.5.0

URI=https://adac.dev/plugins/live

setup() {
	TOP="$BATS_TEST_DIRNAME/../.."
	BUILD=${ADAC_TEST_BUILD:-$TOP/build}
	cd "$BATS_TEST_TMPDIR"
	export LV2_PATH="$BUILD/lv2:$BATS_TEST_TMPDIR/presets"
}

teardown() {
	if [ -n "${JACKD:-}" ]; then
		kill "$JACKD" 2>/dev/null
		wait "$JACKD" 2>/dev/null || true
	fi
}

# host COMMAND...: run an external LV2 host.  Under SANITIZE=1 the plugin
# is built with AddressSanitizer and UBSan, whose runtimes must come first
# in a process that loads it: preload them into the host, and leave the
# host's own leaks to it (the plugin's are the unit test's business).
host() {
	if [ "${SANITIZE:-}" = 1 ]; then
		LD_PRELOAD="$(cc -print-file-name=libasan.so) $(cc -print-file-name=libubsan.so)" \
			ASAN_OPTIONS=detect_leaks=0 "$@"
	else
		"$@"
	fi
}

# preset NAME PROGRAM: a preset bundle whose state is the program's path,
# as a DAW session stores it
preset() {
	mkdir -p "presets/$1.lv2"
	cat > "presets/$1.lv2/manifest.ttl" <<-EOF
	@prefix lv2: <http://lv2plug.in/ns/lv2core#> .
	@prefix pset: <http://lv2plug.in/ns/ext/presets#> .
	@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
	<state.ttl> a pset:Preset ; lv2:appliesTo <$URI> ; rdfs:seeAlso <state.ttl> .
	EOF
	cat > "presets/$1.lv2/state.ttl" <<-EOF
	@prefix lv2: <http://lv2plug.in/ns/lv2core#> .
	@prefix pset: <http://lv2plug.in/ns/ext/presets#> .
	@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
	@prefix state: <http://lv2plug.in/ns/ext/state#> .
	<> a pset:Preset ; lv2:appliesTo <$URI> ; rdfs:label "$1" ;
		state:state [ <https://adac.dev/ns#program> <file://$2> ] .
	EOF
}

# a unit impulse of n float samples at 48 kHz (lv2file writes what it reads:
# a float render is compared at float precision): a gain of 1's response
impulse() {
	echo '{"adac":"ir/1","name":"one","fs":48000,"inputs":1,"outputs":1,
	       "graph":{"op":"gain","id":"g","values":[1]}}' > one.json
	adac-ir impulse -t float32 -n "$1" -o impulse.wav one.json
}

@test "adac-live.lv2: lv2info lists the plugin, its 20 ports and its parameters" {
	command -v lv2info >/dev/null || skip "lv2info (lilv-utils) is not installed"
	run --separate-stderr lv2info "$URI"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$(grep -c 'Symbol:' <<<"$output")" -eq 20 ]
	for sym in in_l in_r out_l out_r control notify knob1 knob8 program verdict reload reload_ms listening announced; do
		grep -q "Symbol: *$sym\$" <<<"$output"
	done
	grep -q 'Required Features: http://lv2plug.in/ns/ext/urid#map' <<<"$output"
	grep -q 'Extension Data: *http://lv2plug.in/ns/ext/state#interface' <<<"$output"
}

@test "adac-live.lv2: lv2file renders the preset's program offline, equal to its IR" {
	command -v lv2file >/dev/null || skip "lv2file is not installed"
	adac-lower "$TOP/examples/fdn16.json" | adac-certify > fdn16.json
	adac-emit -o fdn16.dsp fdn16.json
	preset fdn16 "$PWD/fdn16.dsp"
	# 6 s: the 16-line network decays by more than 60 dB in it
	impulse 288000
	# the program reads in_l; lv2file wants every input connected
	run host lv2file -i impulse.wav -o out.wav -P fdn16 -c 1:in_l -c 1:in_r "$URI"
	echo "$output"
	[ "$status" -eq 0 ]
	# the plugin compiled it when the host restored the preset, so the
	# program plays from the first sample, without a fade
	run --separate-stderr adac-diff fdn16.json out.wav
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e '.overall.verdict == "equal" and .overall.worst_error_db <= -100' <<<"$output"
}

@test "adac-live.lv2: a program without a certificate is refused: lv2file renders silence" {
	command -v lv2file >/dev/null || skip "lv2file is not installed"
	printf 'process = *(0.5), *(0.5);\n' > bare.dsp
	preset bare "$PWD/bare.dsp"
	impulse 4800
	run host lv2file -i impulse.wav -o out.wav -P bare -c 1:in_l -c 1:in_r "$URI"
	[ "$status" -eq 0 ]
	# the program would halve the impulse on both outputs: it did not play
	echo '{"adac":"ir/1","name":"half","fs":48000,"inputs":1,"outputs":2,
	       "graph":{"op":"matrix","id":"m","data":[[0.5],[0.5]]}}' > half.json
	run --separate-stderr adac-diff half.json out.wav
	echo "$output"
	[ "$status" -eq 1 ]
	jq -e '.overall.verdict == "different" and .paths[0].max_abs_error == 0.5
		and .paths[1].max_abs_error == 0.5' <<<"$output"
	# and it plays once the session allows uncertified programs
	sed -i 's|\] \.$|; <https://adac.dev/ns#allowUncertified> true ] .|' presets/bare.lv2/state.ttl
	run host lv2file -i impulse.wav -o out.wav -P bare -c 1:in_l -c 1:in_r "$URI"
	[ "$status" -eq 0 ]
	run --separate-stderr adac-diff half.json out.wav
	[ "$status" -eq 0 ]
}

@test "adac-live.lv2: jalv runs it against a JACK server with a session's state, and exits cleanly" {
	command -v jalv >/dev/null || skip "jalv is not installed"
	command -v jackd >/dev/null || skip "jackd is not installed"
	local i
	# a server of the test's own, which clients must not start themselves
	export JACK_DEFAULT_SERVER="adac-lv2-$$-$BATS_TEST_NUMBER" JACK_NO_START_SERVER=1
	jackd -n "$JACK_DEFAULT_SERVER" -d dummy -r 48000 -p 256 > jackd.log 2>&1 &
	JACKD=$!
	for i in $(seq 100); do
		jack_lsp > /dev/null 2>&1 && break
		sleep 0.1
	done
	adac-lower "$TOP/examples/fdn4-adac.json" | adac-certify | adac-emit --live -o model.dsp
	preset session "$PWD/model.dsp"
	# jalv -l takes a state directory: the preset's
	mkfifo commands
	host jalv -l presets/session.lv2 "$URI" < commands > jalv.out 2>&1 &
	local jalv=$! i st=0
	exec 8> commands
	# ask for the status ports until the program runs (a compile and
	# JACK's start are bounded at 60 s, a failure, not a timing claim)
	for i in $(seq 120); do
		echo monitors >&8
		sleep 0.5
		grep -q '^> *program = 1' jalv.out && break
	done
	# end of its commands: jalv closes the plugin and exits
	exec 8>&-
	wait "$jalv" || st=$?
	cat jalv.out
	[ "$st" -eq 0 ]
	grep -q 'program = 1.000000' jalv.out
	grep -q 'verdict = 2.000000' jalv.out
	grep -q 'reload = 1.000000' jalv.out
}
