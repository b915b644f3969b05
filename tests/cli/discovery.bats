#!/usr/bin/env bats
# adac-live's DNS-SD discovery on one machine: each test that needs it
# starts a private system bus (dbus-daemon) and an avahi-daemon of its
# own on the loopback interface, and stops both, with every service it
# started, in teardown, pass or fail.  What serve and the LV2 plugin (in
# jalv, on a JACK server of the test's) announce is read back with
# avahi-browse, which shares no code with adac-live.
#
# avahi-daemon keeps its pid file and socket in the fixed directory
# /run/avahi-daemon, so each one runs in a mount namespace of its own
# (unshare -m) with a private tmpfs there: tests never meet a daemon the
# machine runs, nor each other's.  That needs root (CI runs as root) and
# the avahi-daemon and avahi-utils packages; without them the tests
# that need a daemon are skipped with the reason, and the rest run.

bats_require_minimum_version 1.5.0

setup() {
	DATA="$BATS_TEST_DIRNAME/../data/live"
	T="$BATS_TEST_TMPDIR"
	PIDS=""
	DBUS_PID=""
	AVAHI_PID=""
	# a unix socket path holds at most 107 bytes: keep the bus's short
	BUS_DIR=$(mktemp -d /tmp/adac-bus.XXXXXX)
	# each test's own names, so that two runs at once do not collide
	NAME="adac-test-$$-$BATS_TEST_NUMBER"
	# serve without a daemon unless a test starts one: never the host's
	export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$BUS_DIR/none"
}

teardown() {
	local p
	for p in $PIDS $AVAHI_PID $DBUS_PID; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in $PIDS $AVAHI_PID; do
		wait "$p" 2>/dev/null || true
	done
	# dbus-daemon forked away from us: wait until it is gone or a zombie
	# (whoever inherited it may not reap it), at most 5 s
	if [ -n "$DBUS_PID" ]; then
		for ((p = 0; p < 500; p++)); do
			read -r _ _ state _ < "/proc/$DBUS_PID/stat" 2>/dev/null || break
			[ "$state" != Z ] || break
			nap 0.01
		done
	fi
	rm -rf "$BUS_DIR"
}

# start CMD...: run in the background (fd 3 closed so bats does not wait)
start() {
	"$@" 3>&- &
	PIDS="$PIDS $!"
	BGPID=$!
}

# nap SECONDS: sleep without starting a process (read from a silent pipe)
nap() {
	[ -n "${NAPFD:-}" ] || exec {NAPFD}<> <(:)
	read -r -t "$1" -u "$NAPFD" || true
}

# wait_grep FILE PATTERN: until a line of FILE holds PATTERN (30 s)
wait_grep() {
	local i
	for ((i = 0; i < 3000; i++)); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		nap 0.01
	done
	echo "# timed out waiting for '$2' in $1:" >&3
	sed 's/^/#   /' "$1" >&3 2>/dev/null
	return 1
}

# wait_for_socket PATH: until PATH exists (30 s)
wait_for_socket() {
	local i
	for ((i = 0; i < 3000; i++)); do
		[ -S "$1" ] && return 0
		nap 0.01
	done
	return 1
}

# daemons: a private system bus and an avahi-daemon on lo, or skip
daemons() {
	local why=""
	if [ "$(id -u)" -ne 0 ]; then
		why="avahi-daemon needs root for its own /run/avahi-daemon"
	elif ! command -v avahi-daemon > /dev/null || ! command -v avahi-browse > /dev/null; then
		why="no avahi-daemon or avahi-browse (apt-get install avahi-daemon avahi-utils)"
	elif ! command -v dbus-daemon > /dev/null; then
		why="no dbus-daemon (apt-get install dbus)"
	elif ! unshare -m true 2> /dev/null; then
		why="cannot unshare a mount namespace for avahi-daemon's /run/avahi-daemon"
	fi
	[ -z "$why" ] || skip "$why"
	cat > "$BUS_DIR/bus.conf" <<-EOF
	<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
	 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
	<busconfig>
	  <type>system</type>
	  <listen>unix:path=$BUS_DIR/bus</listen>
	  <auth>EXTERNAL</auth>
	  <policy context="default">
	    <allow user="*"/>
	    <allow own="*"/>
	    <allow send_destination="*"/>
	    <allow receive_sender="*"/>
	  </policy>
	</busconfig>
	EOF
	# lo only: nothing a test announces leaves the machine
	cat > "$BUS_DIR/avahi.conf" <<-EOF
	[server]
	use-ipv4=yes
	use-ipv6=no
	allow-interfaces=lo
	enable-dbus=yes
	[wide-area]
	enable-wide-area=no
	[publish]
	publish-hinfo=no
	publish-workstation=no
	EOF
	DBUS_PID=$(dbus-daemon --config-file="$BUS_DIR/bus.conf" --fork --print-pid 3>&-)
	export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$BUS_DIR/bus"
	[ -z "${BUS_ONLY:-}" ] || return 0
	start unshare -m sh -c 'mount -t tmpfs tmpfs /run/avahi-daemon &&
		exec avahi-daemon --no-drop-root --no-chroot --no-rlimits -f "$1"' \
		sh "$BUS_DIR/avahi.conf" > "$T/avahi.log" 2>&1
	AVAHI_PID=$BGPID
	PIDS=${PIDS% $BGPID}
	wait_grep "$T/avahi.log" "Server startup complete"
}

# serve_start [OPTIONS...]: a service on ephemeral loopback ports named
# $NAME, on the interpreter alone (no LLVM upgrade changes the running
# program's id under a test); sets URL, PORT and OSC
serve_start() {
	start adac-live serve --driver null --listen 127.0.0.1:0 --osc-port 0 \
		--backend interp --name "$NAME" --log "$T/log" "$@" > "$T/serve.out" 2> "$T/serve.err"
	SERVE=$BGPID
	wait_grep "$T/serve.out" 'http://'
	[[ " $* " == *" off "* ]] || wait_grep "$T/serve.out" 'osc://'
	URL=$(sed -n 1p "$T/serve.out")
	URL=${URL%%\?*}
	OSC=$(sed -n 's|^osc://127.0.0.1:\([0-9]*\)/$|\1|p' "$T/serve.out")
	PORT=${URL#http://127.0.0.1:}
	PORT=${PORT%/}
}

# browse: avahi-browse's resolved line for $NAME in BROWSED, or "".
# avahi-browse -t ends when the daemon has listed what it has cached, and
# on a loaded machine a record just announced may not be resolved yet:
# ask again, up to 10 times, before calling it absent.
# The resolved record of our service on lo over IPv4, once it carries our
# port: under load the daemon may answer before it has resolved the
# record, or list an entry twice; the first complete line is the one.
browse_once() {
	BROWSED=$(timeout 20 avahi-browse -rpt _adac-live._tcp |
		grep "^=;lo;IPv4;$NAME;.*;$PORT;" | head -n 1 || true)
	# shown when an assertion on it fails
	echo "browsed: $BROWSED"
}

# ... waiting up to about 10 s for it to appear
browse() {
	local i
	for i in $(seq 20); do
		browse_once
		[ -n "$BROWSED" ] && break
		sleep 0.5
	done
}

@test "discovery: serve announces _adac-live._tcp with its HTTP port and TXT records, as avahi-browse sees them" {
	daemons
	serve_start "$DATA/gain.dsp"
	wait_grep "$T/log" '"event":"announced"'
	grep -qFx "{\"event\":\"announced\",\"name\":\"$NAME\",\"type\":\"_adac-live._tcp\"}" "$T/log"
	browse
	version=$(adac-live --version | cut -d' ' -f2)
	# avahi-browse prints TXT records last to first
	[ "$BROWSED" = "=;lo;IPv4;$NAME;_adac-live._tcp;local;$(sed -n 's/.*Host name is \([^ ]*\)\. Local service.*/\1/p' "$T/avahi.log");127.0.0.1;$PORT;\"program=gain.dsp\" \"osc=$OSC\" \"token=none\" \"version=$version\" \"txtvers=1\"" ]
	[ ! -s "$T/serve.err" ]
}

@test "discovery: a service with a token says token=required, and OSC off leaves osc out" {
	daemons
	serve_start --token s3cret --osc-port off
	wait_grep "$T/log" '"event":"announced"'
	browse
	[[ $BROWSED == *";127.0.0.1;$PORT;\"token=required\" \"version="*"\" \"txtvers=1\"" ]]
	[[ $BROWSED != *osc=* && $BROWSED != *program=* ]]
}

@test "discovery: list finds the service with its URL, OSC port and whether it needs a token" {
	daemons
	serve_start --token s3cret "$DATA/gain.dsp"
	wait_grep "$T/log" '"event":"announced"'
	run --separate-stderr adac-live list
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	line=$(jq -c --arg n "$NAME" 'select(.name == $n) | [.url, .port, .token, .osc, .program, .interface, .address]' <<< "$output")
	[ "$line" = "[\"$URL\",$PORT,true,$OSC,\"gain.dsp\",\"lo\",\"127.0.0.1\"]" ]
}

@test "discovery: push --to NAME reaches the service, and a token it needs is asked for first" {
	daemons
	serve_start
	wait_grep "$T/log" '"event":"announced"'
	run --separate-stderr adac-live push --to "$NAME" "$DATA/gain.dsp"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$(jq -c '[.id, .ui.inputs, .load.status, .load.id]' <<< "$output")" = '[1,1,"swapped",1]' ]
	[ "$(curl -s "${URL}status" | jq -c .running)" = 1 ]
	kill -TERM "$SERVE"
	wait "$SERVE" || true
	NAME="$NAME-t"
	serve_start --token s3cret
	wait_grep "$T/log" "\"name\":\"$NAME\""
	run --separate-stderr adac-live push --to "$NAME" "$DATA/gain.dsp"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-live: error: service '$NAME' needs a token; give --token" ]
	run --separate-stderr adac-live push --token s3cret --to "$NAME" "$DATA/gain.dsp"
	[ "$status" -eq 0 ]
	[ "$(jq -c .id <<< "$output")" = 1 ]
}

@test "discovery: push --to a name nobody announces is exit 3 and sends nothing" {
	daemons
	run --separate-stderr adac-live push --to "$NAME-nobody" "$DATA/gain.dsp"
	[ "$status" -eq 3 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-live: error: no service named '$NAME-nobody' answered" ]
}

@test "discovery: a second service asking for a taken name is announced as NAME #2" {
	daemons
	serve_start
	wait_grep "$T/log" '"event":"announced"'
	start adac-live serve --driver null --listen 127.0.0.1:0 --osc-port off \
		--name "$NAME" --log "$T/log2" > "$T/serve2.out"
	wait_grep "$T/log2" '"event":"announced"'
	grep -qFx "{\"event\":\"announced\",\"name\":\"$NAME #2\",\"type\":\"_adac-live._tcp\"}" "$T/log2"
	run adac-live list
	[ "$(jq -r --arg n "$NAME" 'select(.name | startswith($n)) | .name' <<< "$output" | sort)" = "$NAME
$NAME #2" ]
}

@test "discovery: the announcement is withdrawn when serve stops" {
	daemons
	serve_start
	wait_grep "$T/log" '"event":"announced"'
	browse
	[ -n "$BROWSED" ]
	kill -TERM "$SERVE"
	wait "$SERVE"
	# other daemons' caches drop it one second after its goodbye
	# (RFC 6762, 10.1); avahi-browse reads the daemon's cache too
	for ((i = 0; i < 20; i++)); do
		browse_once
		[ -n "$BROWSED" ] || break
		nap 0.5
	done
	[ "$BROWSED" = "" ]
	run adac-live list
	[ "$status" -eq 0 ]
	[[ $output != *"\"$NAME\""* ]]
}

@test "discovery: serve --no-announce is not announced and says nothing of it" {
	daemons
	serve_start --no-announce
	# the same daemon sees a service started after it
	NAME0=$NAME
	NAME="$NAME-2"
	start adac-live serve --driver null --listen 127.0.0.1:0 --osc-port off \
		--name "$NAME" --log "$T/log2" > "$T/serve2.out"
	wait_grep "$T/log2" '"event":"announced"'
	NAME=$NAME0
	browse
	[ "$BROWSED" = "" ]
	[ ! -s "$T/serve.err" ]
	! grep -q announced "$T/log"
}

# lv2_host COMMAND...: run an LV2 host; under SANITIZE=1 the plugin's
# sanitizer runtimes come first (as in adac-live-lv2.bats)
lv2_host() {
	if [ "${SANITIZE:-}" = 1 ]; then
		LD_PRELOAD="$(cc -print-file-name=libasan.so) $(cc -print-file-name=libubsan.so)" \
			ASAN_OPTIONS=detect_leaks=0 "$@"
	else
		"$@"
	fi
}

# certified PATH GAIN: a stereo gain with an adac-emit header that states
# a certificate, which the plugin plays without adac:allowUncertified
certified() {
	printf '%s\n' '// t: written by adac-emit 0.1.0 from an adac IR (ir/1)' \
		'// source: test' \
		'// certificate: certified-stable for float and double builds, sha256 00' \
		"process = *($2), *($2);" > "$1"
}

@test "discovery: the LV2 plugin in jalv announces its push port with kind=lv2, and push --to reaches it" {
	command -v jalv > /dev/null || skip "jalv is not installed"
	command -v jackd > /dev/null || skip "jackd is not installed"
	local uri=https://adac.dev/plugins/live build=${ADAC_TEST_BUILD:-$BATS_TEST_DIRNAME/../../build}
	local i p lport="" lname="" st=0
	daemons
	# a loopback port nothing listens on
	for ((i = 0; i < 100; i++)); do
		p=$((20000 + RANDOM % 20000))
		[ -n "$(ss -ltnH "sport = :$p")" ] || { lport=$p; break; }
	done
	[ -n "$lport" ]
	certified "$T/a.dsp" 0.5
	certified "$T/b.dsp" 0.25
	mkdir -p "$T/presets/s.lv2"
	cat > "$T/presets/s.lv2/manifest.ttl" <<-EOF
	@prefix lv2: <http://lv2plug.in/ns/lv2core#> .
	@prefix pset: <http://lv2plug.in/ns/ext/presets#> .
	@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
	<state.ttl> a pset:Preset ; lv2:appliesTo <$uri> ; rdfs:seeAlso <state.ttl> .
	EOF
	cat > "$T/presets/s.lv2/state.ttl" <<-EOF
	@prefix lv2: <http://lv2plug.in/ns/lv2core#> .
	@prefix pset: <http://lv2plug.in/ns/ext/presets#> .
	@prefix state: <http://lv2plug.in/ns/ext/state#> .
	<> a pset:Preset ; lv2:appliesTo <$uri> ;
		state:state [ <https://adac.dev/ns#program> <file://$T/a.dsp> ;
			      <https://adac.dev/ns#listenPort> $lport ] .
	EOF
	# a JACK server of the test's own, which clients must not start
	export JACK_DEFAULT_SERVER="adac-disc-$$-$BATS_TEST_NUMBER" JACK_NO_START_SERVER=1
	start jackd -n "$JACK_DEFAULT_SERVER" -d dummy -r 48000 -p 256 > "$T/jackd.log" 2>&1
	for ((i = 0; i < 100; i++)); do
		jack_lsp > /dev/null 2>&1 && break
		nap 0.1
	done
	mkfifo "$T/commands"
	LV2_PATH="$build/lv2:$T/presets" lv2_host jalv -l "$T/presets/s.lv2" "$uri" \
		< "$T/commands" > "$T/jalv.out" 2>&1 3>&- &
	local jalv=$!
	PIDS="$PIDS $jalv"
	exec 8> "$T/commands"
	# the announcement, as list shows it (bounded at 30 s: a failure)
	for ((i = 0; i < 30; i++)); do
		lname=$(adac-live list --timeout 1 2> /dev/null |
			jq -r --argjson p "$lport" 'select(.kind == "lv2" and .port == $p) | .name')
		[ -z "$lname" ] || break
	done
	[ "$lname" = "adac-live.lv2 $lport on $(hostname)" ]
	# its records, as avahi-browse reads them (last to first; it writes
	# the name's dot as \. and its spaces as \032)
	BROWSED=$(timeout 20 avahi-browse -rpt _adac-live._tcp | grep "^=;lo;IPv4;" | grep ";$lport;" || true)
	[[ $BROWSED == "=;lo;IPv4;adac-live\\.lv2\\032$lport\\032on\\032$(hostname);"* ]]
	[[ $BROWSED == *";127.0.0.1;$lport;\"kind=lv2\" \"program=a.dsp\" \"token=none\" \"version="*"\" \"txtvers=1\"" ]]
	run --separate-stderr adac-live push --to "$lname" "$T/b.dsp"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$(jq -r .load.status <<< "$output")" = swapped ]
	# the status ports: the pushed program runs, the service is announced
	for ((i = 0; i < 60; i++)); do
		echo monitors >&8
		nap 0.5
		grep -q '^> *program = 2' "$T/jalv.out" && break
	done
	exec 8>&-
	wait "$jalv" || st=$?
	cat "$T/jalv.out"
	[ "$st" -eq 0 ]
	grep -q 'program = 2.000000' "$T/jalv.out"
	grep -q 'reload = 1.000000' "$T/jalv.out"
	grep -q "listening = $lport.000000" "$T/jalv.out"
	grep -q 'announced = 1.000000' "$T/jalv.out"
	# jalv closed the plugin: nothing listens on the port any more, and
	# the announcement goes (caches drop it 1 s after its goodbye)
	[ -z "$(ss -ltnH "sport = :$lport")" ]
	for ((i = 0; i < 20; i++)); do
		adac-live list --timeout 1 | grep -qF "\"name\":\"$lname\"" || break
		nap 0.5
	done
	[ "$i" -lt 20 ]
}

@test "discovery: serve without an Avahi daemon serves, and says so once on stderr" {
	# no bus at this address, as on a machine without D-Bus or Avahi
	serve_start "$DATA/gain.dsp"
	wait_grep "$T/serve.err" 'not announced'
	[ "$(cat "$T/serve.err")" = "adac-live: warning: not announced over DNS-SD (cannot reach the Avahi daemon: Daemon not running); serving anyway" ]
	run --separate-stderr adac-live push "$URL" "$DATA/values-a.dsp"
	[ "$status" -eq 0 ]
	id=$(jq -c .load.id <<< "$output")
	[ "$(jq -r .load.status <<< "$output")" = swapped ]
	[ "$(curl -s "${URL}status" | jq -c .running)" = "$id" ]
	# once: nothing more after a while of serving
	nap 0.5
	[ "$(wc -l < "$T/serve.err")" -eq 1 ]
}

@test "discovery: serve on a system bus without avahi-daemon serves, and says so once" {
	BUS_ONLY=1 daemons
	serve_start
	wait_grep "$T/serve.err" 'not announced'
	[ "$(cat "$T/serve.err")" = "adac-live: warning: not announced over DNS-SD (cannot reach the Avahi daemon: Daemon not running); serving anyway" ]
	run curl -s "${URL}status"
	[[ $output == '{"running":null,'* ]]
	run --separate-stderr adac-live list
	[ "$status" -eq 3 ]
	[ "$stderr" = "adac-live: error: cannot reach the Avahi daemon: Daemon not running" ]
}

@test "discovery: a bus that accepts and never answers holds up neither serve nor list" {
	command -v python3 > /dev/null || skip "no python3 to play the silent bus"
	start python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
held = []
while True:
    held.append(s.accept()[0])' "$BUS_DIR/silent"
	wait_for_socket "$BUS_DIR/silent"
	export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$BUS_DIR/silent"
	serve_start
	run curl -s "${URL}status"
	[ "$status" -eq 0 ]
	[[ $output == '{"running":null,'* ]]
	kill -TERM "$SERVE"
	wait "$SERVE"
	[ ! -s "$T/serve.err" ]
	run --separate-stderr adac-live list --timeout 1
	[ "$status" -eq 3 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-live: error: the Avahi daemon did not answer within 1 s" ]
}

@test "discovery: serve --no-announce without a daemon says nothing" {
	serve_start --no-announce
	run curl -s "${URL}status"
	[ "$status" -eq 0 ]
	[ ! -s "$T/serve.err" ]
}

@test "discovery: list and push --to without an Avahi daemon are exit 3 with one line" {
	run --separate-stderr adac-live list
	[ "$status" -eq 3 ]
	[ "$output" = "" ]
	[ "$stderr" = "adac-live: error: cannot reach the Avahi daemon: Daemon not running" ]
	run --separate-stderr adac-live push --to somebody "$DATA/gain.dsp"
	[ "$status" -eq 3 ]
	[ "$stderr" = "adac-live: error: cannot reach the Avahi daemon: Daemon not running" ]
}

@test "discovery: list and push check their arguments" {
	run --separate-stderr adac-live list --timeout
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-live: error: list takes only --timeout S" ]
	run --separate-stderr adac-live list --timeout 0
	[ "$status" -eq 2 ]
	[[ $stderr == "adac-live: error: --timeout"* ]]
	run --separate-stderr adac-live push --to
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-live: error: option '--to' needs a value; see 'adac-live --help'" ]
	run --separate-stderr adac-live push --to x "$URL" "$DATA/gain.dsp"
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-live: error: push wants URL (or --to NAME) and FILE (or -)" ]
	run --separate-stderr adac-live push --bogus x y
	[ "$status" -eq 2 ]
	[ "$stderr" = "adac-live: error: unknown option '--bogus'; see 'adac-live --help'" ]
}
