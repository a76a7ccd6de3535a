# shellcheck shell=sh
# TAP helpers for the guest-side tests (busybox sh), in the style of kselftest's ktap output.
# Test points are numbered across all scripts of one guest run; run.sh prints the plan at the end.

AJ_SYS=/sys/kernel/altjit
AJ_KO=/altjit/altjit.ko
# make check-full (ALTJIT_FULL=1 from scripts/check): the long forms of the counted and timed
# stress runs (fuzz seeds, race seconds, unload cycles); make check runs the short ones.
AJ_FULL=${ALTJIT_FULL:-0}
# aj_full LONG SHORT: LONG under make check-full, SHORT under make check.
aj_full() { if [ "$AJ_FULL" = 1 ]; then echo "$1"; else echo "$2"; fi; }
TB_KO=/altjit/test_bpf.ko
TAP_COUNT_FILE=/tmp/tap.count
[ -e $TAP_COUNT_FILE ] || echo 0 >$TAP_COUNT_FILE

_tap_next() {
	n=$(($(cat $TAP_COUNT_FILE) + 1))
	echo $n >$TAP_COUNT_FILE
	echo $n
}
ok() { echo "ok $(_tap_next) - $*"; }
not_ok() { echo "not ok $(_tap_next) - $*"; }
skip() { echo "ok $(_tap_next) - $1 # SKIP $2"; }
diag() { echo "# $*"; }
# check DESC COMMAND...: one test point from a command's status.
check() {
	_desc=$1
	shift
	if "$@"; then ok "$_desc"; else not_ok "$_desc"; fi
}
# check_eq DESC GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "  got '$2', want '$3'"; fi
}

# aj_stat NAME: one counter from /sys/kernel/altjit/stats.
aj_stat() { awk -v n="$1" '$1 == n { print $2 }' $AJ_SYS/stats; }

# aj_stats_mark, then aj_stats_since: how much altjit's counters grew in between, in req,
# mode_back, leg (legacy_jited), opt (optimized_jited), unsup, err (handed back as unsupported,
# on error) and iso (isolation_refused).
aj_stats_mark() {
	_aj_r0=$(aj_stat requests) _aj_m0=$(aj_stat handed_back_mode)
	_aj_j0=$(aj_stat legacy_jited) _aj_o0=$(aj_stat optimized_jited)
	_aj_u0=$(aj_stat handed_back_unsupported) _aj_e0=$(aj_stat handed_back_error)
	_aj_i0=$(aj_stat isolation_refused)
}
aj_stats_since() {
	req=$(($(aj_stat requests) - _aj_r0)) mode_back=$(($(aj_stat handed_back_mode) - _aj_m0))
	leg=$(($(aj_stat legacy_jited) - _aj_j0)) opt=$(($(aj_stat optimized_jited) - _aj_o0))
	unsup=$(($(aj_stat handed_back_unsupported) - _aj_u0)) err=$(($(aj_stat handed_back_error) - _aj_e0))
	iso=$(($(aj_stat isolation_refused) - _aj_i0))
}

# A kernel warning, BUG or oops anywhere in a run fails it (run.sh checks the log at the end).
AJ_SPLAT_RE='WARNING: CPU|BUG:|Oops|general protection|lockdep|Call Trace'
# dmesg_clear: clear the kernel log, failing a point first if it holds a splat: clearing the log
# between steps must never hide one.
dmesg_clear() {
	if dmesg | grep -E -q "$AJ_SPLAT_RE"; then
		not_ok "no kernel warning or oops in dmesg before it is cleared"
		dmesg | grep -E -B2 -A20 "$AJ_SPLAT_RE" | sed 's/^/# /' | head -40
	fi
	dmesg -c >/dev/null
}

# run_test_bpf [PARAMS...]: load and unload test_bpf.ko. Sets TB_RUN (1 if a summary was printed),
# TB_PASS, TB_FAIL, TB_JIT (programs JIT'ed in test_bpf + test_tail_calls), TB_SUMMARY.
run_test_bpf() {
	dmesg_clear
	insmod $TB_KO "$@" 2>/dev/null || true
	rmmod test_bpf 2>/dev/null || true
	dmesg >/tmp/test_bpf.log
	TB_SUMMARY=$(grep -o 'test_[a-z_]*: Summary: .*' /tmp/test_bpf.log | tr '\n' ';')
	TB_PASS=0 TB_FAIL=0 TB_JIT=0 TB_RUN=0
	for line in $(grep -o "Summary: [0-9]* PASSED, [0-9]* FAILED.*" /tmp/test_bpf.log |
		sed "s/Summary: \([0-9]*\) PASSED, \([0-9]*\) FAILED\(, \[\([0-9]*\)\/[0-9]* JIT'ed\]\)\{0,1\}.*/\1:\2:\4/"); do
		TB_RUN=1
		TB_PASS=$((TB_PASS + ${line%%:*}))
		rest=${line#*:}
		jit=${rest#*:}
		TB_FAIL=$((TB_FAIL + ${rest%%:*}))
		TB_JIT=$((TB_JIT + ${jit:-0}))
	done
}

# test_bpf accepts test_range= on 6.x only (5.10's full run takes seconds anyway).
tb_short_params() {
	case $(uname -r) in 5.*) ;; *) echo "test_range=0,299" ;; esac
}

# aj_rmmod: rmmod altjit, waiting up to 60 s for the kernel's deferred frees of legacy images
# (each holds a module reference until bpf_jit_free runs).
aj_rmmod() {
	_n=0
	while ! rmmod altjit 2>/dev/null; do
		_n=$((_n + 1))
		[ $_n -lt 120 ] || return 1
		sleep 0.5
	done
}

# relay_tap NAME FILE RC: re-emit the TAP a test tool wrote to FILE (exit status RC) as points of
# this run, "NAME: " before each; then one point that it ran to its end: the plan matches the
# points seen, and it exited 0 iff nothing failed (a crash or a lost point shows there).
relay_tap() {
	_rn=0 _rf=0 _rplan=""
	while IFS= read -r _line; do
		case $_line in
		"not ok "*)
			_rn=$((_rn + 1)) _rf=$((_rf + 1))
			not_ok "$1: $(echo "$_line" | sed 's/^not ok [0-9]* - //')"
			;;
		"ok "*)
			_rn=$((_rn + 1))
			_d=$(echo "$_line" | sed 's/^ok [0-9]* - //')
			case $_d in
			*" # SKIP"*) skip "$1: ${_d%% # SKIP*}" "${_d#* # SKIP }" ;;
			*) ok "$1: $_d" ;;
			esac
			;;
		"1.."*) _rplan=${_line#1..} ;;
		"#"*) echo "$_line" ;;
		"TAP version"*) ;;
		*) diag "$1: $_line" ;;
		esac
	done <"$2"
	_want=0
	[ $_rf = 0 ] || _want=1
	if [ "$_rplan" = "$_rn" ] && [ "$_rn" -gt 0 ] && [ "$3" = $_want ]; then
		ok "$1 ran to its end ($_rn points, $_rf failed, exit $3)"
	else
		not_ok "$1 ran to its end"
		diag "  exit $3, $_rn points ($_rf failed), plan '1..$_rplan'"
	fi
}

# as_nobody 'COMMAND': run a shell command as uid/gid 65534 (busybox su; setpriv here cannot).
as_nobody() { su -s /bin/sh nobody -c "$1"; }

# need_tool PATH: fails (and says so as a test point) when a test tool is not in the guest.
need_tool() {
	[ -x "$1" ] && return 0
	not_ok "selftests/prog is in the guest ($1)"
	return 1
}

# aj_insmod [PARAMS]: insmod altjit.ko as a test point; on failure dmesg's last lines as diagnostics.
aj_insmod() {
	if insmod $AJ_KO "$@"; then
		ok "insmod altjit.ko${1:+ $*}"
		return 0
	fi
	not_ok "insmod altjit.ko${1:+ $*}"
	dmesg | tail -5 | sed 's/^/# /'
	return 1
}

# aj_testmod DIR RUNNER: the selftests' bpf_testmod.ko that scripts/check put in DIR beside RUNNER
# (scripts/build-testmod; test_verifier and test_progs load it from their working directory and
# unload it when done, in every run alike). One point: it loads with its BTF and unloads again
# (/sys/kernel/btf/bpf_testmod: where CONFIG_MODULE_ALLOW_BTF_MISMATCH is set, 6.1 and 6.12, a
# module whose BTF does not fit the kernel's loads without it, and its kfuncs are not found). Sets
# AJ_TESTMOD=1 when it did; 0 with a skipped point when DIR has no module (5.10's selftests have
# none; a failed build is the host's failing point).
aj_testmod() {
	AJ_TESTMOD=0
	if [ ! -e "$1/bpf_testmod.ko" ]; then
		# Only 5.10's selftests have none (it came with 5.11): anywhere else it must be here.
		case $(uname -r) in
		[1-4].* | 5.[0-9].* | 5.10.*)
			skip "$2: bpf_testmod.ko loads with its BTF" "no bpf_testmod.ko in $1 (this kernel's selftests have none)" ;;
		*) not_ok "$2: bpf_testmod.ko is in $1 (scripts/build-testmod; scripts/check puts it there)" ;;
		esac
		return 0
	fi
	! grep -q '^bpf_testmod ' /proc/modules || rmmod bpf_testmod
	if insmod "$1/bpf_testmod.ko" && [ -e /sys/kernel/btf/bpf_testmod ] && rmmod bpf_testmod &&
		! grep -q '^bpf_testmod ' /proc/modules; then
		ok "$2: bpf_testmod.ko loads with its BTF (/sys/kernel/btf/bpf_testmod) and unloads"
		AJ_TESTMOD=1
	else
		not_ok "$2: bpf_testmod.ko loads with its BTF (/sys/kernel/btf/bpf_testmod) and unloads"
		dmesg | grep -i -E 'bpf_testmod|btf' | tail -n 5 | sed 's/^/#   /'
		! grep -q '^bpf_testmod ' /proc/modules || rmmod bpf_testmod || true
	fi
	dmesg | grep -i 'bpf_testmod' | head -n 3 | sed 's/^/# dmesg: /' || true
}

# aj_testmod_gone RUN RUNNER: one point: RUNNER unloaded bpf_testmod at the end of run RUN (a module
# left behind would hold the next run's programs, and the unload tests' dmesg would show it).
aj_testmod_gone() {
	[ "$AJ_TESTMOD" = 1 ] || return 0
	check "$2 ($1): bpf_testmod unloaded at its end" sh -c "! grep -q '^bpf_testmod ' /proc/modules"
}
