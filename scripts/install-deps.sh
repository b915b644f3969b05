#!/bin/sh
# Install every Debian 12 package that adac's build, tests, demo and
# benchmarks need.  Idempotent and non-interactive; run as root (or with
# sudo available).  Helpers append package names to PACKAGES only.
set -eu

PACKAGES="
build-essential
pkg-config
faust
faust-common
libfaust2
libjansson-dev
liblapacke-dev
libarpack2-dev
libopenblas-dev
libsndfile1-dev
jq
bats
graphviz
libxml2-utils
hyperfine
mandoc
libmicrohttpd-dev
libcurl4-openssl-dev
liblo-dev
liblo-tools
libqrencode-dev
libjack-jackd2-dev
jackd2
libavahi-client-dev
avahi-daemon
avahi-utils
dbus
lv2-dev
liblilv-dev
lilv-utils
jalv
lv2file
chromium
curl
libfftw3-dev
time
clang
libclang-rt-dev
python3-torch
python3-numpy
python3-scipy
python3-soundfile
"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
echo "install-deps: installed$missing"
