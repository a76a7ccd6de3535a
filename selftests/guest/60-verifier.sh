# shellcheck shell=sh
# The kernel's own verifier suite (issue 4.6): test_verifier, built from this kernel's linux-source
# by scripts/build-selftests, gives the same result for every test under altjit's schemes as
# without altjit. Runs: "base" (altjit not loaded), then altjit loaded with mode=stock, legacy,
# optimized. For each altjit run: the pass/skip/fail counts equal the baseline's, the set of
# failing tests equals the baseline's (so a baseline failure, e.g. a test that needs a module or a
# feature Debian's kernel lacks, is fine, but altjit must not fail anything else), and the run
# really went through altjit (stock: every request handed back; legacy/optimized: the scheme's
# counter went up).
#   AJ_VERIFIER_RUNS  the runs to do, default "base stock legacy optimized"; CI time is measured
#                     in scripts/check's notes (one run is 1-2 minutes under TCG).
#   AJ_VERIFIER_ARGS  arguments for test_verifier (e.g. "0 99" for a range), default all tests.

TV_DIR=/altjit/verifier
TV=$TV_DIR/test_verifier

# 7.3's verifier runs a new argument-tracking pass (kernel/bpf/liveness.c, compute_subprog_args)
# that holds, per instruction, the state of every register and of 64 stack slots: some 800 MB
# for test_verifier's 1M-instruction programs (#458 'ld_dw: ... test 5', #502/#503 'scale: scale
# test 1/2'), with or without altjit. A 1 GiB guest runs out of memory there and the OOM killer
# ends test_verifier: scripts/check gives 7.3's main guest 2 GiB. Said here, so a smaller guest
# shows why its run stops short.
case $(uname -r) in
7.3.*)
	_mem=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
	[ "$_mem" -ge 1800 ] || diag "test_verifier on 7.3 needs ~2 GiB (guest: $_mem MiB): the 1M-instruction tests will run out of memory"
	;;
esac

if [ ! -x $TV ]; then
	not_ok "test_verifier is in the guest ($TV; built by scripts/build-selftests)"
	return 0
fi

# bpf_testmod.ko (scripts/build-testmod), beside test_verifier: 6.12's and later test_verifier
# load it themselves at the start of each run and unload it at its end, and their kfunc tests
# ("calls: invalid kfunc call ...", "map_kptr: ...") call its kfuncs; 6.1's and 5.10's do not use
# it, and scripts/check puts it here only for a test_verifier whose source loads it. Without it
# (scripts/build-selftests' wrapper says "no bpf_testmod.ko here") those tests would fail alike in
# every run: a run that says so fails.
TV_TESTMOD=0
if [ -e $TV_DIR/bpf_testmod.ko ]; then
	aj_testmod $TV_DIR test_verifier
	TV_TESTMOD=$AJ_TESTMOD
	[ "$TV_TESTMOD" = 0 ] || diag "test_verifier: loads bpf_testmod.ko in every run (its kfunc tests run)"
else
	AJ_TESTMOD=0
	diag "test_verifier: no bpf_testmod.ko beside it (this kernel's test_verifier does not load it)"
fi

# Unprivileged tests (/u) run only when unprivileged BPF is allowed; Debian's default (2) can be
# lowered to 0 at run time. They are the ones where the verifier adds speculation barriers and
# sanitation that the JIT then compiles, so they are worth the extra time.
# Debian's 2 can always be lowered: a failure here would silently drop every /u variant.
check "test_verifier: unprivileged BPF enabled for the /u tests" \
	sh -c 'echo 0 >/proc/sys/kernel/unprivileged_bpf_disabled'

# tv_run NAME: run test_verifier, output in /tmp/tv-NAME.out, one "N/x RESULT" line per test in
# /tmp/tv-NAME.res. Sets TV_OK (1 if it printed its summary), TV_PASS TV_SKIP TV_FAIL TV_SECS.
tv_run() {
	_name=$1
	_t0=$(date +%s)
	_rc=0
	(cd $TV_DIR && ./test_verifier ${AJ_VERIFIER_ARGS:-}) >/tmp/tv-$1.out 2>&1 || _rc=$?
	TV_SECS=$(($(date +%s) - _t0))
	# "#12/p descr OK", "#13/u descr SKIP", "#14/p descr FAIL retval 1 != 2": the last of the
	# three words on the line is the result (test_verifier prints it right after the description).
	sed -n -E 's@^#([0-9]+/[pu]) .* (OK|FAIL|SKIP)([ :].*)?$@\1 \2@p' /tmp/tv-$1.out >/tmp/tv-$1.res
	_sum=$(grep -E '^Summary: [0-9]+ PASSED, [0-9]+ SKIPPED, [0-9]+ FAILED' /tmp/tv-$1.out | tail -n 1) || true
	TV_OK=0 TV_PASS=- TV_SKIP=- TV_FAIL=-
	if [ -n "$_sum" ]; then
		TV_OK=1
		set -- $_sum
		TV_PASS=$2 TV_SKIP=$4 TV_FAIL=$6
	fi
	diag "test_verifier ($_name): ${_sum:-no summary} (exit $_rc, ${TV_SECS}s)"
}

# tv_failed NAME: the failing tests of a run, one "N/x" a line, sorted.
tv_failed() { awk '$2 == "FAIL" { print $1 }' /tmp/tv-$1.res | sort; }

# tv_show NAME N/x LINES: a test's result line and what test_verifier printed after it (the
# verifier log, expected and got), as diagnostics.
tv_show() {
	awk -v t="#$2 " 'index($0, t) == 1 { p = 1; print; next } p && /^#[0-9]+\/[pu] / { exit } p { print }' \
		/tmp/tv-$1.out | head -n "$3" | sed 's/^/#     /'
}

# tv_compare NAME: the points that compare run NAME with the baseline.
tv_compare() {
	check "test_verifier ($1): ran to its summary" [ "$TV_OK" = 1 ]
	check_eq "test_verifier ($1): pass/skip/fail counts equal the baseline's ($BASE_RUN)" \
		"$TV_PASS/$TV_SKIP/$TV_FAIL" "$BASE_PASS/$BASE_SKIP/$BASE_FAIL"
	tv_failed "$1" >/tmp/tv-$1.failed
	_new=$(awk 'NR == FNR { base[$1] = 1; next } !($1 in base)' /tmp/tv-$BASE_RUN.failed /tmp/tv-$1.failed)
	_gone=$(awk 'NR == FNR { base[$1] = 1; next } !($1 in base)' /tmp/tv-$1.failed /tmp/tv-$BASE_RUN.failed)
	if [ "$TV_OK" = 1 ] && [ -z "$_new" ] && [ -z "$_gone" ]; then
		ok "test_verifier ($1): the same failing tests as the baseline ($(wc -l </tmp/tv-$1.failed))"
	else
		not_ok "test_verifier ($1): the same failing tests as the baseline"
		for _t in $_new; do
			diag "  fails only under $1: #$_t"
			tv_show "$1" "$_t" 12
		done
		for _t in $_gone; do diag "  fails in the baseline only: #$_t"; done
	fi
	# Every test's result, OK/SKIP/FAIL, as in the baseline (an OK <-> SKIP swap keeps the counts).
	_diff=$(awk 'NR == FNR { r[$1] = $2; next } r[$1] != $2 { print "#" $1 " " r[$1] "->" $2 }' \
		/tmp/tv-$BASE_RUN.res /tmp/tv-$1.res | head -n 10)
	check "test_verifier ($1): every test's result as in the baseline ($(wc -l </tmp/tv-$1.res) tests)" \
		[ -z "$_diff" -a -s /tmp/tv-$1.res ]
	[ -z "$_diff" ] || echo "$_diff" | sed "s/^/# result changed ($BASE_RUN -> $1): /"
}

# tv_dmesg NAME: one point: the run left no kernel warning or oops in dmesg, except the stock
# verifier's own WARN_ONCE of 5.10 ("trace type BPF program uses run-time allocation"), which a
# test_verifier test triggers with or without altjit (it fires in whichever run comes first).
# The ring is cleared afterwards when nothing else is there, so run.sh's final check stays for
# real findings.
tv_dmesg() {
	dmesg >/tmp/tv-$1.dmesg
	_bad=$(awk '/WARNING:/ && prev !~ /uses run-time allocation/ { n++ }
		/BUG:|Oops|general protection/ { n++ } { prev = $0 } END { print n + 0 }' /tmp/tv-$1.dmesg)
	if [ "$_bad" = 0 ]; then
		ok "test_verifier ($1): no kernel warning or oops"
		if grep -q 'uses run-time allocation' /tmp/tv-$1.dmesg; then
			diag "test_verifier ($1): the stock verifier's WARN_ONCE 'trace type BPF program uses run-time allocation' (5.10, not altjit's)"
		fi
		# Just checked, with that one known exception: dmesg_clear would count it again.
		dmesg -c >/dev/null
	else
		not_ok "test_verifier ($1): no kernel warning or oops"
		grep -E -A12 'WARNING:|BUG:|Oops|general protection' /tmp/tv-$1.dmesg | head -n 40 | sed 's/^/#   /'
	fi
}

BASE_RUN=""
for run in ${AJ_VERIFIER_RUNS:-base stock legacy optimized}; do
	if [ "$run" = base ]; then
		dmesg_clear
		tv_run base
	else
		if ! insmod $AJ_KO mode=$run; then
			not_ok "insmod altjit.ko mode=$run"
			continue
		fi
		aj_stats_mark
		dmesg_clear
		tv_run "$run"
		aj_stats_since
		diag "altjit ($run): requests $req, legacy_jited $leg, optimized_jited $opt," \
			"handed back: mode $mode_back, unsupported $unsup, error $err"
	fi
	# (the loader's messages: testing_helpers.c, build-selftests' wrapper)
	if grep -q -E "no bpf_testmod.ko here|Can't find bpf_testmod|Failed to load bpf_testmod" /tmp/tv-$run.out; then
		not_ok "test_verifier ($run): ran with bpf_testmod.ko loaded (it loads it: scripts/check must put it beside it)"
		grep -E "bpf_testmod" /tmp/tv-$run.out | head -n 3 | sed 's/^/#   /'
	elif [ "$TV_TESTMOD" = 1 ]; then
		ok "test_verifier ($run): ran with bpf_testmod.ko loaded"
	fi
	aj_testmod_gone "$run" test_verifier
	if [ -z "$BASE_RUN" ]; then
		# The first run is the baseline the others are compared with.
		BASE_RUN=$run BASE_PASS=$TV_PASS BASE_SKIP=$TV_SKIP BASE_FAIL=$TV_FAIL
		tv_failed "$run" >/tmp/tv-$run.failed
		check "test_verifier ($run, the baseline): ran to its summary" [ "$TV_OK" = 1 ]
		if [ -s /tmp/tv-$run.failed ]; then
			diag "baseline failures ($run): $(tr '\n' ' ' </tmp/tv-$run.failed)"
			for _t in $(cat /tmp/tv-$run.failed); do tv_show "$run" "$_t" 3; done
		fi
	else
		tv_compare "$run"
	fi
	case $run in
	stock)
		check "altjit ($run): every JIT request of the run handed back to the stock JIT ($mode_back of $req)" \
			[ "$req" -gt 0 -a "$mode_back" = "$req" -a $((leg + opt)) = 0 ]
		;;
	legacy)
		# Every request of the run, not just some: a program handed to the stock JIT would make
		# this a comparison of stock with stock.
		check "altjit ($run): compiled every program of the run (legacy_jited +$leg of $req requests; handed back: unsupported $unsup, error $err)" \
			[ "$req" -gt 0 -a "$leg" = "$req" -a "$opt" = 0 -a "$unsup" = 0 -a "$err" = 0 ]
		;;
	optimized)
		check "altjit ($run): compiled every program of the run (optimized_jited +$opt of $req requests; handed back: unsupported $unsup, error $err)" \
			[ "$req" -gt 0 -a "$opt" = "$req" -a "$leg" = 0 -a "$unsup" = 0 -a "$err" = 0 ]
		;;
	esac
	if [ "$run" != base ]; then
		dmesg | grep -i 'altjit' | head -n 10 | sed 's/^/# dmesg: /' || true
	fi
	tv_dmesg "$run"
	if [ "$run" != base ]; then
		check "rmmod altjit ($run) once its images are freed" aj_rmmod
	fi
done
