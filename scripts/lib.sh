# shellcheck shell=bash
# Common helpers for altjit's scripts: cache location, host packages, the private apt view.
# Sourced, never run.

ALTJIT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ALTJIT_CACHE=${ALTJIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/altjit}
KERNELS_CONF=${KERNELS_CONF:-$ALTJIT_TOP/scripts/kernels.conf}

die() { echo "altjit: $*" >&2; exit 1; }
log() { echo "altjit: $*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ensure_host_packages PKG... : install the Debian packages that are missing.
ensure_host_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing host packages: ${missing[*]}"
	if [ ! -e "$ALTJIT_CACHE/.apt-updated" ] || [ -n "$(find "$ALTJIT_CACHE/.apt-updated" -mmin +720 2>/dev/null)" ]; then
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
		mkdir -p "$ALTJIT_CACHE" && touch "$ALTJIT_CACHE/.apt-updated"
	fi
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
		die "apt-get install ${missing[*]} failed"
}

# Packages the rig needs on the host to build the module and run guests.
HOST_PACKAGES_BUILD="make gcc gcc-12 bc flex bison libelf-dev libssl-dev zlib1g-dev xz-utils zstd dwarves"
HOST_PACKAGES_VM="qemu-system-x86 busybox-static cpio bpftool"
# ... and to build the BPF programs and tools the tests and the benchmark run.
HOST_PACKAGES_BPF="clang llvm libbpf-dev gnuplot-nox"
# ... and to package the module with DKMS (issue 6): dkms 3.0.10 needs lsb-release, kmod, gcc, make,
# dpkg-dev and patch (no headers with --no-install-recommends); openssl makes the MOK signing key.
HOST_PACKAGES_DKMS="dkms openssl"
# ... and to run the code-generator tests without a VM (selftests/host: capstone disassembles;
# altjit-bench --native: clang builds its BPF programs, libbpf reads them).
HOST_PACKAGES_HOSTTEST="make gcc libcapstone-dev clang libbpf-dev"
# ... and to build the kernel's test_verifier from linux-source (scripts/build-selftests): libbpf's
# bpf_doc.py, 5.10's -lcap (static).
HOST_PACKAGES_SELFTESTS="python3 libcap-dev"
# ... and to build a bpftool that disassembles (scripts/build-bpftool): LLVM 14's static libraries
# and llvm-config, g++ (its feature test; libstdc++.a), libtinfo.a, libcap.a, libelf.a, libz.a.
HOST_PACKAGES_BPFTOOL="g++ llvm-14 llvm-14-dev libncurses-dev libcap-dev libelf-dev zlib1g-dev"

# kernel_conf SERIES FIELD : a field of scripts/kernels.conf (suites, abi, version): the pin, i.e.
# the kernel the series was last proven on. The kernel really used is kernel_abi/kernel_version.
kernel_conf() {
	local series=$1 field=$2 idx
	case $field in suites) idx=2 ;; abi) idx=3 ;; version) idx=4 ;; *) die "bad field $field" ;; esac
	awk -v s="$series" -v i="$idx" '$1 == s { print $i; found=1 } END { exit !found }' "$KERNELS_CONF" ||
		die "unknown kernel series '$series' (see $KERNELS_CONF)"
}
kernel_series_all() { awk '!/^#/ && NF >= 4 { print $1 }' "$KERNELS_CONF"; }

# When a pin is gone from the mirror, scripts/fetch-kernel takes the newest kernel of the series
# and records it in $ALTJIT_CACHE/kernels/SERIES.resolved as "PIN-ABI PIN-VERSION ABI VERSION".
# kernel_in_use SERIES : "ABI VERSION" of the kernel the rig uses for SERIES: the pin when it is in
# the cache or nothing else is, else the recorded substitute for this very pin (not with
# ALTJIT_STRICT_PINS=1). Needs no network.
kernel_in_use() {
	local series=$1 pabi pver rec
	pabi=$(kernel_conf "$series" abi) && pver=$(kernel_conf "$series" version) || exit 1
	rec="$ALTJIT_CACHE/kernels/$series.resolved"
	if [ ! -e "$ALTJIT_CACHE/kernels/$series-$pabi/.complete" ] && [ -z "${ALTJIT_STRICT_PINS:-}" ] &&
		[ -r "$rec" ]; then
		local a b abi ver
		read -r a b abi ver <"$rec"
		if [ "$a" = "$pabi" ] && [ "$b" = "$pver" ] && [ -n "$ver" ]; then
			echo "$abi $ver"
			return 0
		fi
	fi
	echo "$pabi $pver"
}
kernel_abi() { local r; r=$(kernel_in_use "$1") || exit 1; echo "${r% *}"; }
kernel_version() { local r; r=$(kernel_in_use "$1") || exit 1; echo "${r#* }"; }

# host_mirrors: prints "MAIN_URI SECURITY_URI" read from the host's own apt sources.
host_mirrors() {
	local files=() main="" sec="" f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] && files+=("$f")
	done
	# deb822 stanzas and one-line entries alike become "URI SUITE" pairs.
	local pairs
	pairs=$(awk '
		FNR == 1 { uris = ""; suites = "" }
		/^[[:space:]]*#/ { next }
		FILENAME ~ /\.sources$/ {
			if ($1 == "URIs:") { uris = $2 }
			if ($1 == "Suites:") { suites = ""; for (i = 2; i <= NF; i++) suites = suites " " $i }
			if (($0 ~ /^[[:space:]]*$/ || $1 == "Signed-By:" || $1 == "Components:") && uris != "" && suites != "") {
				n = split(suites, s, " "); for (i = 1; i <= n; i++) print uris, s[i]; uris = ""; suites = ""
			}
			next
		}
		$1 == "deb" { u = $2; st = $3; if (u ~ /^\[/) { u = $3; st = $4 } print u, st }
		END { if (uris != "" && suites != "") { n = split(suites, s, " "); for (i = 1; i <= n; i++) print uris, s[i] } }
	' "${files[@]}" 2>/dev/null | sort -u)
	main=$(awk '$2 ~ /^[a-z]+$/ && $1 !~ /security/ { print $1; exit }' <<<"$pairs")
	sec=$(awk '$2 ~ /-security$/ { print $1; exit }' <<<"$pairs")
	[ -n "$main" ] || die "no Debian mirror found in the host's apt sources"
	[ -n "$sec" ] || sec="${main%/debian}/debian-security"
	echo "${main%/} ${sec%/}"
}

# apt_private ARGS... : apt-get with a private view of the suites of scripts/kernels.conf (each
# with its -updates and -security), never the host's own sources. The lists are refreshed when the
# suites change, when they are older than ALTJIT_APT_MAX_AGE minutes (default 360: Debian replaces
# kernel builds within days), or with ALTJIT_APT_REFRESH=1.
APT_DIR="$ALTJIT_CACHE/apt"
apt_suites() {
	local s
	for s in $(awk '!/^#/ && NF >= 4 { print $2 }' "$KERNELS_CONF" | tr ',' ' '); do
		echo "main $s"
		s=${s%-backports}
		echo "main $s"; echo "main $s-updates"; echo "security $s-security"
	done | sort -u
}
apt_private_setup() {
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
	local m s kind suite
	read -r m s < <(host_mirrors)
	while read -r kind suite; do
		[ "$kind" = main ] && echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $m $suite main"
		[ "$kind" = security ] && echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $s $suite main"
	done < <(apt_suites) >"$APT_DIR/sources.list.new"
	if ! cmp -s "$APT_DIR/sources.list.new" "$APT_DIR/sources.list" ||
		[ -z "$(ls "$APT_DIR/lists" 2>/dev/null | grep -v partial)" ] ||
		[ ! -e "$APT_DIR/.updated" ] ||
		[ -n "$(find "$APT_DIR/.updated" -mmin "+${ALTJIT_APT_MAX_AGE:-360}" 2>/dev/null)" ] ||
		[ -n "${ALTJIT_APT_REFRESH:-}" ]; then
		mv "$APT_DIR/sources.list.new" "$APT_DIR/sources.list"
		log "updating the private apt view ($m, $s)"
		apt_private update -qq >&2 || die "private apt-get update failed"
		touch "$APT_DIR/.updated"
	else
		rm -f "$APT_DIR/sources.list.new"
	fi
}
apt_private() {
	apt-get -o Dir::Etc::sourcelist="$APT_DIR/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$APT_DIR/lists" -o Dir::Cache="$APT_DIR/cache" \
		-o Dir::State::status=/var/lib/dpkg/status -o APT::Get::List-Cleanup=0 \
		-o Debug::NoLocking=1 "$@"
}
apt_cache_private() {
	apt-cache -o Dir::Etc::sourcelist="$APT_DIR/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$APT_DIR/lists" -o Dir::Cache="$APT_DIR/cache" "$@"
}

# kernel_dir SERIES : where a fetched kernel lives in the cache.
kernel_dir() { local abi; abi=$(kernel_abi "$1") || exit 1; echo "$ALTJIT_CACHE/kernels/$1-$abi"; }
