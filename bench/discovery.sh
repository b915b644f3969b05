#!/bin/sh
# bench/discovery.sh - what DNS-SD costs adac-live, on one machine with a
# private system bus and avahi-daemon on lo (as tests/cli/discovery.bats
# runs them; root, avahi-daemon, avahi-utils and dbus needed):
#   - announce: from serve's start to its "announced" log line (Avahi
#     probes the name first, three queries 250 ms apart: RFC 6762, 8.1);
#   - list: adac-live list with one service announced (it ends when the
#     daemon says it has answered from its cache, about a second);
#   - push --to against push URL, with a program equal to the running one
#     (answered without compiling), so that their difference is the
#     name's lookup.
# RUNS (default 10) per row.  Wall-clock figures on whatever else the
# machine runs.
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/$BUILD/bin
runs=${RUNS:-10}
for c in avahi-daemon dbus-daemon unshare; do
	if ! command -v "$c" > /dev/null; then
		echo "skipped: $c is not installed"
		exit 0
	fi
done
if [ "$(id -u)" -ne 0 ] || [ ! -x "$bin/adac-live" ]; then
	echo "skipped: needs root and $bin/adac-live"
	exit 0
fi
tmp=$(mktemp -d /tmp/adac-bench.XXXXXX)
dbus= avahi= serve=
trap 'kill $serve $avahi $dbus 2>/dev/null; rm -rf "$tmp"' EXIT
cat > "$tmp/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$tmp/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
printf '%s\n' '[server]' use-ipv4=yes use-ipv6=no allow-interfaces=lo \
	enable-dbus=yes '[wide-area]' enable-wide-area=no '[publish]' \
	publish-hinfo=no publish-workstation=no > "$tmp/avahi.conf"
dbus=$(dbus-daemon --config-file="$tmp/bus.conf" --fork --print-pid)
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$tmp/bus"
unshare -m sh -c 'mount -t tmpfs tmpfs /run/avahi-daemon &&
	exec avahi-daemon --no-drop-root --no-chroot --no-rlimits -f "$1"' \
	sh "$tmp/avahi.conf" > "$tmp/avahi.log" 2>&1 &
avahi=$!
i=0
until grep -q 'Server startup complete' "$tmp/avahi.log"; do
	i=$((i + 1))
	[ $i -lt 300 ] || { echo "avahi-daemon did not start"; exit 1; }
	sleep 0.1
done

now_ms() { date +%s%3N; }
# the median of the numbers on standard input
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "announce (ms, serve's start to its announced line; $runs runs):"
r=0
while [ $r -lt "$runs" ]; do
	: > "$tmp/log"
	t0=$(now_ms)
	"$bin/adac-live" serve --driver null --listen 127.0.0.1:0 --osc-port off \
		--name "bench-$r" --log "$tmp/log" > "$tmp/out" 2>&1 &
	serve=$!
	until grep -q '"announced"' "$tmp/log"; do sleep 0.005; done
	echo $(($(now_ms) - t0))
	kill $serve; wait $serve 2>/dev/null
	serve=
	r=$((r + 1))
done | median | sed 's/^/  median /'

: > "$tmp/log"
"$bin/adac-live" serve --driver null --listen 127.0.0.1:0 --osc-port off \
	--backend interp --name bench --log "$tmp/log" > "$tmp/out" 2> "$tmp/err" &
serve=$!
until grep -q '"announced"' "$tmp/log" 2>/dev/null; do sleep 0.01; done
url=$(sed -n 1p "$tmp/out")
printf 'import("stdfaust.lib");\nprocess = _ * 0.5;\n' > "$tmp/p.dsp"
"$bin/adac-live" push "$url" "$tmp/p.dsp" > /dev/null || exit 1
for what in list push-url push-to; do
	r=0
	while [ $r -lt "$runs" ]; do
		t0=$(now_ms)
		case $what in
		list) "$bin/adac-live" list > /dev/null ;;
		push-url) "$bin/adac-live" push "$url" "$tmp/p.dsp" > /dev/null ;;
		push-to) "$bin/adac-live" push --to bench "$tmp/p.dsp" > /dev/null ;;
		esac
		echo $(($(now_ms) - t0))
		r=$((r + 1))
	done | median | sed "s/^/$what (ms): median /"
done
