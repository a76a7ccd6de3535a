#!/usr/bin/env bash
# test_fetch.sh: scripts/fetch-kernel's pin resolver against canned apt-cache output (no network):
# pin present, pin gone with a newer ABI, kbuild superseded within one ABI, 6.1 vs 6.12 and
# 7.1 vs 7.10, ~bpo and +debNN versions, suites, strict pins, and a cached kernel used offline.
# TAP on stdout.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fk="$here/../../scripts/fetch-kernel"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 bad=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - $1"; }

# kernel ABI VERSION SUITE [KBUILD] : one kernel's five packages on the canned mirror. The series
# is the first two fields of the version; KBUILD defaults to linux-kbuild-SERIES (bookworm's rule;
# trixie names it after the ABI).
kernel() {
	local abi=$1 ver=$2 suite=$3 series uri
	series=$(echo "$ver" | cut -d. -f1,2)
	local kb=${4:-linux-kbuild-$series}
	case $suite in *-security) uri=http://mirror.example/debian-security ;; *) uri=http://mirror.example/debian ;; esac
	local p
	for p in "linux-image-$abi-amd64" "linux-headers-$abi-amd64" "linux-headers-$abi-common" "$kb" "linux-source-$series"; do
		echo "$p | $ver | $uri $suite/main amd64 Packages"
	done
	echo "depends linux-headers-$abi-amd64=$ver $kb"
}
# drop PKG VERSION : the mirror no longer has that build of that package.
drop() { grep -v -F "$1 | $2 |" "$mirror" >"$mirror.new"; mv "$mirror.new" "$mirror"; }

# check NAME CONF-LINE WANT-OUTPUT WANT-LOG : resolve the series of CONF-LINE on $mirror; the output
# and the one log line (empty: none) must be exactly as given.
check() {
	local name=$1 conf=$2 want=$3 wantlog=$4 out err series
	series=${conf%% *}
	printf '%s\n' "$conf" >"$tmp/kernels.conf"
	out=$(KERNELS_CONF="$tmp/kernels.conf" ALTJIT_CACHE="$tmp/cache" FAKE_APT="$mirror" \
		ALTJIT_APT_CACHE="$here/fetch/fake-apt-cache" "$fk" --resolve "$series" 2>"$tmp/err")
	err=$(grep -v '^$' "$tmp/err")
	if [ "$out" = "$want" ] && [ "$err" = "$wantlog" ]; then
		ok "$name"
	else
		notok "$name"
		echo "#   want: '$want' log '$wantlog'"
		echo "#   got:  '$out' log '$err'"
	fi
}

echo "TAP version 13"
mirror="$tmp/mirror"

# The November 2026 shape of bookworm: 6.1 in bookworm and bookworm-security, 6.12 in
# bookworm-security (~deb12u1) and bookworm-backports (~bpo12+1).
{
	kernel 6.1.0-56 6.1.192-2 bookworm-security
	kernel 6.1.0-57 6.1.192-3 bookworm-security
	kernel 6.1.0-40 6.1.170-3 bookworm
	kernel 6.12.95+deb12 6.12.95-1~bpo12+1 bookworm-backports linux-kbuild-6.12.95+deb12
	kernel 6.12.117+deb12 6.12.117-1~deb12u1 bookworm-security linux-kbuild-6.12.117+deb12
	kernel 6.12.38+deb13 6.12.38-1 trixie linux-kbuild-6.12.38+deb13
	kernel 5.10.0-46 5.10.262-1 bullseye-security
	echo "linux-image-6.12-amd64 | 6.12.117-1~deb12u1 | http://mirror.example/debian-security bookworm-security/main amd64 Packages"
} >"$mirror"

check "pin present: the pin, no log line" "6.1 bookworm 6.1.0-56 6.1.192-2" "6.1 6.1.0-56 6.1.192-2" ""
check "an older pin still complete stays the pin" "6.1 bookworm 6.1.0-40 6.1.170-3" "6.1 6.1.0-40 6.1.170-3" ""

# Debian replaced 6.1.192-2 by 6.1.192-3: kbuild and source keep only the newest build.
drop linux-kbuild-6.1 6.1.192-2
check "pin gone (its kbuild superseded): the newest 6.1, one line naming both" \
	"6.1 bookworm 6.1.0-56 6.1.192-2" "6.1 6.1.0-57 6.1.192-3" \
	"altjit: 6.1: pinned 6.1.0-56 (6.1.192-2) is not on the mirror; using 6.1.0-57 (6.1.192-3), the newest 6.1 in bookworm"
(ALTJIT_STRICT_PINS=1 check "x" "6.1 bookworm 6.1.0-56 6.1.192-2" "" "x") >"$tmp/strict" 2>&1
if grep -q "ALTJIT_STRICT_PINS=1 forbids another" "$tmp/strict" && grep -q "got:  '' " "$tmp/strict"; then
	ok "ALTJIT_STRICT_PINS=1: a missing pin is an error, nothing resolved"
else
	notok "ALTJIT_STRICT_PINS=1: a missing pin is an error, nothing resolved"; sed 's/^/# /' "$tmp/strict"
fi

# The same ABI rebuilt: 6.1.0-57 now at 6.1.192-4; the -3 image is still there, its kbuild not.
kernel 6.1.0-57 6.1.192-4 bookworm-security >>"$mirror"
drop linux-kbuild-6.1 6.1.192-3
check "kbuild superseded within one ABI: same ABI, the new build" \
	"6.1 bookworm 6.1.0-57 6.1.192-3" "6.1 6.1.0-57 6.1.192-4" \
	"altjit: 6.1: pinned 6.1.0-57 (6.1.192-3) is not on the mirror; using 6.1.0-57 (6.1.192-4), the newest 6.1 in bookworm"

# 6.1 must never match 6.12 (newer, in the same suites), nor the metapackage.
check "6.1 never resolves to 6.12" "6.1 bookworm 6.1.0-1 6.1.1-1" "6.1 6.1.0-57 6.1.192-4" \
	"altjit: 6.1: pinned 6.1.0-1 (6.1.1-1) is not on the mirror; using 6.1.0-57 (6.1.192-4), the newest 6.1 in bookworm"
check "6.12: +deb12u1 in -security beats ~bpo12+1 in backports; trixie's 6.12 not in the suites" \
	"6.12 bookworm-backports,bookworm 6.12.1+deb12 6.12.1-1~bpo12+1" "6.12 6.12.117+deb12 6.12.117-1~deb12u1" \
	"altjit: 6.12: pinned 6.12.1+deb12 (6.12.1-1~bpo12+1) is not on the mirror; using 6.12.117+deb12 (6.12.117-1~deb12u1), the newest 6.12 in bookworm-backports,bookworm"
check "6.12 with only bookworm-backports: the backport" \
	"6.12 bookworm-backports 6.12.1+deb12 6.12.1-1~bpo12+1" "6.12 6.12.95+deb12 6.12.95-1~bpo12+1" \
	"altjit: 6.12: pinned 6.12.1+deb12 (6.12.1-1~bpo12+1) is not on the mirror; using 6.12.95+deb12 (6.12.95-1~bpo12+1), the newest 6.12 in bookworm-backports"

# An incomplete newest kernel (no linux-source at its version) is passed over.
kernel 5.10.0-47 5.10.263-1 bullseye-security >>"$mirror"
drop linux-source-5.10 5.10.263-1
check "an incomplete newer kernel is passed over" "5.10 bullseye 5.10.0-9 5.10.70-1" "5.10 5.10.0-46 5.10.262-1" \
	"altjit: 5.10: pinned 5.10.0-9 (5.10.70-1) is not on the mirror; using 5.10.0-46 (5.10.262-1), the newest 5.10 in bullseye"

# 7.1 vs 7.10, ~bpo vs its own later upload, trixie's ABI-named kbuild.
{
	kernel 7.1.8+deb13 7.1.8-1~bpo13+1 trixie-backports linux-kbuild-7.1.8+deb13
	kernel 7.10.2+deb13 7.10.2-1~bpo13+1 trixie-backports linux-kbuild-7.10.2+deb13
	kernel 7.1.9+deb13 7.1.9-1~bpo13+1 trixie-backports linux-kbuild-7.1.9+deb13
	kernel 7.1.9+deb13 7.1.9-1 trixie linux-kbuild-7.1.9+deb13
} >>"$mirror"
check "7.1 never resolves to 7.10; a -backports suite alone: 7.1.9-1~bpo13+1" \
	"7.1 trixie-backports 7.1.2+deb13 7.1.2-1~bpo13+1" "7.1 7.1.9+deb13 7.1.9-1~bpo13+1" \
	"altjit: 7.1: pinned 7.1.2+deb13 (7.1.2-1~bpo13+1) is not on the mirror; using 7.1.9+deb13 (7.1.9-1~bpo13+1), the newest 7.1 in trixie-backports"
check "7.1.9-1 (trixie) beats 7.1.9-1~bpo13+1 (trixie-backports)" \
	"7.1 trixie-backports,trixie 7.1.2+deb13 7.1.2-1~bpo13+1" "7.1 7.1.9+deb13 7.1.9-1" \
	"altjit: 7.1: pinned 7.1.2+deb13 (7.1.2-1~bpo13+1) is not on the mirror; using 7.1.9+deb13 (7.1.9-1), the newest 7.1 in trixie-backports,trixie"
check "7.10 resolves to 7.10" "7.10 trixie-backports 7.10.0+deb13 7.10.0-1~bpo13+1" "7.10 7.10.2+deb13 7.10.2-1~bpo13+1" \
	"altjit: 7.10: pinned 7.10.0+deb13 (7.10.0-1~bpo13+1) is not on the mirror; using 7.10.2+deb13 (7.10.2-1~bpo13+1), the newest 7.10 in trixie-backports"
# 7.x splits the image: linux-image-ABI-amd64 only depends on linux-binary-, linux-modules- and
# linux-base-ABI-amd64, which are part of the kernel. A build missing one of them is passed over.
split() {	# split ABI VERSION : the three packages behind a 7.x image
	local p
	for p in binary modules base; do
		echo "linux-$p-$1-amd64 | $2 | http://mirror.example/debian trixie-backports/main amd64 Packages"
		echo "depends linux-image-$1-amd64=$2 linux-$p-$1-amd64"
	done
}
{
	kernel 7.2.6+deb13 7.2.6-1~bpo13+1 trixie-backports linux-kbuild-7.2.6+deb13
	split 7.2.6+deb13 7.2.6-1~bpo13+1
	kernel 7.2.9+deb13 7.2.9-1~bpo13+1 trixie-backports linux-kbuild-7.2.9+deb13
	split 7.2.9+deb13 7.2.9-1~bpo13+1
} >>"$mirror"
drop linux-modules-7.2.9+deb13-amd64 7.2.9-1~bpo13+1
check "7.x split image: a build without its linux-modules package is passed over" \
	"7.2 trixie-backports 7.2.1+deb13 7.2.1-1~bpo13+1" "7.2 7.2.6+deb13 7.2.6-1~bpo13+1" \
	"altjit: 7.2: pinned 7.2.1+deb13 (7.2.1-1~bpo13+1) is not on the mirror; using 7.2.6+deb13 (7.2.6-1~bpo13+1), the newest 7.2 in trixie-backports"
printf '7.2 trixie-backports 7.2.6+deb13 7.2.6-1~bpo13+1\n' >"$tmp/kernels.conf"
pk=$(KERNELS_CONF="$tmp/kernels.conf" FAKE_APT="$mirror" ALTJIT_APT_CACHE="$here/fetch/fake-apt-cache" \
	bash -c '. "$1"/../../scripts/lib.sh; eval "$(sed -n "/^aptc()/,/^}/p; /^packages()/,/^}/p" "$2")"; packages 7.2 7.2.6+deb13 7.2.6-1~bpo13+1' _ "$here" "$fk" | tr '\n' ' ')
if [ "$pk" = "linux-image-7.2.6+deb13-amd64=7.2.6-1~bpo13+1 linux-base-7.2.6+deb13-amd64=7.2.6-1~bpo13+1 linux-binary-7.2.6+deb13-amd64=7.2.6-1~bpo13+1 linux-modules-7.2.6+deb13-amd64=7.2.6-1~bpo13+1 linux-headers-7.2.6+deb13-amd64=7.2.6-1~bpo13+1 linux-headers-7.2.6+deb13-common=7.2.6-1~bpo13+1 linux-kbuild-7.2.6+deb13=7.2.6-1~bpo13+1 linux-source-7.2=7.2.6-1~bpo13+1 " ]; then
	ok "7.x split image: the download takes linux-base, linux-binary and linux-modules too"
else
	notok "7.x split image: the download takes linux-base, linux-binary and linux-modules too"; echo "# '$pk'"
fi

printf '7.3 trixie-backports 7.3.1+deb13 7.3.1-1~bpo13+1\n' >"$tmp/kernels.conf"
if ! KERNELS_CONF="$tmp/kernels.conf" ALTJIT_CACHE="$tmp/cache" FAKE_APT="$mirror" \
	ALTJIT_APT_CACHE="$here/fetch/fake-apt-cache" "$fk" --resolve 7.3 >"$tmp/out" 2>&1 &&
	grep -q "neither the pinned 7.3.1+deb13 (7.3.1-1~bpo13+1) nor any other 7.3 kernel" "$tmp/out"; then
	ok "a series the mirror lacks: an error naming it"
else
	notok "a series the mirror lacks: an error naming it"; sed 's/^/# /' "$tmp/out"
fi

# Offline: the cache alone answers, through a recorded substitute, with no apt at all.
cache="$tmp/offline"
mkdir -p "$cache/kernels/6.1-6.1.0-57/root/usr/src/linux-headers-6.1.0-57-amd64" "$cache/kernels/6.1-6.1.0-50"
touch "$cache/kernels/6.1-6.1.0-57/.complete" "$cache/kernels/6.1-6.1.0-50/.complete"
echo "6.1.0-56 6.1.192-2 6.1.0-57 6.1.192-3" >"$cache/kernels/6.1.resolved"
printf '6.1 bookworm 6.1.0-56 6.1.192-2\n' >"$tmp/kernels.conf"
offline() { KERNELS_CONF="$tmp/kernels.conf" ALTJIT_CACHE="$cache" ALTJIT_APT_CACHE=/bin/false PATH="$tmp/nobin:$PATH" "$fk" "$@"; }
mkdir -p "$tmp/nobin"
for c in apt-get apt-cache; do printf '#!/bin/sh\necho "$0 called" >&2; exit 1\n' >"$tmp/nobin/$c"; chmod +x "$tmp/nobin/$c"; done
out=$(offline --kdir 6.1 2>"$tmp/err")
if [ "$out" = "$cache/kernels/6.1-6.1.0-57/root/usr/src/linux-headers-6.1.0-57-amd64" ] &&
	[ "$(cat "$tmp/err")" = "altjit: 6.1: pinned 6.1.0-56 (6.1.192-2) is not on the mirror; using 6.1.0-57 (6.1.192-3) from the cache" ]; then
	ok "offline: a cached substitute serves --kdir with one log line and no apt"
else
	notok "offline: a cached substitute serves --kdir with one log line and no apt"; echo "# '$out'"; sed 's/^/# /' "$tmp/err"
fi
[ "$(offline --in-use 6.1 2>&1)" = "6.1 6.1.0-57 6.1.192-3" ] && ok "--in-use names the substitute" || notok "--in-use names the substitute"
[ "$(ALTJIT_STRICT_PINS=1 offline --in-use 6.1 2>&1)" = "6.1 6.1.0-56 6.1.192-2" ] &&
	ok "ALTJIT_STRICT_PINS=1 ignores the recorded substitute" || notok "ALTJIT_STRICT_PINS=1 ignores the recorded substitute"
mkdir -p "$cache/kernels/6.1-6.1.0-56"; touch "$cache/kernels/6.1-6.1.0-56/.complete"
[ "$(offline --path 6.1 2>&1)" = "$cache/kernels/6.1-6.1.0-56" ] && ok "a cached pin wins over a substitute" ||
	notok "a cached pin wins over a substitute"
if offline 6.1 2>"$tmp/err" && [ ! -s "$tmp/err" ] && [ -e "$cache/kernels/6.1-6.1.0-50/.complete" ] &&
	[ -e "$cache/kernels/6.1-6.1.0-57/.complete" ]; then
	ok "fetch of a cached pin: silent, offline, other kernels kept"
else
	notok "fetch of a cached pin: silent, offline, other kernels kept"; sed 's/^/# /' "$tmp/err"
fi

echo "1..$n"
[ "$bad" = 0 ]
