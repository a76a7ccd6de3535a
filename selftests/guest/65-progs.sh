# shellcheck shell=sh
# The kernel's own test_progs (issue 16): the tests of scripts/test_progs.list, built from this
# kernel's linux-source by scripts/build-progs, give the same result for every test and subtest
# under altjit's schemes as without altjit. Runs, as 60-verifier does: "base" (altjit not loaded),
# then altjit loaded with mode=stock, legacy, optimized. For each altjit run: the summary and every
# test's and subtest's result (OK/SKIP/FAIL, by name) equal the baseline's; the run really went
# through altjit (stock: every request handed back; legacy and optimized: every request compiled
# by altjit, but, on 7.x, programs with a private stack, which altjit leaves to the stock JIT under
# legacy and optimized alike); the programs handed back are listed with altjit's reason (its dmesg
# line), and any reason but the expected one fails.
#   AJ_PROGS_RUNS  the runs to do, default "base stock legacy optimized"
#   AJ_PROGS_ARGS  arguments for test_progs (e.g. "-t tailcalls"), default every test of the run
#   ALTJIT_FULL    1 (make check-full): also the tests of scripts/test_progs-full.list ("full" in
#                  tests.txt); else only those of scripts/test_progs.list ("test"), picked by -t

TP_DIR=/altjit/progs
TP=$TP_DIR/test_progs

if [ ! -x $TP ]; then
	# The host says why there is none (a kernel the build is not done for yet, or a failed build,
	# which the host counted as a failure already).
	if [ -r $TP_DIR/why ]; then
		skip "test_progs" "$(cat $TP_DIR/why)"
	else
		not_ok "test_progs is in the guest ($TP; built by scripts/build-progs)"
	fi
	return 0
fi
! grep -q '^altjit ' /proc/modules || aj_rmmod
# The clsact qdisc and the bpf classifier (sch_ingress.ko, cls_bpf.ko: modules in Debian's
# kernels; scripts/vm puts them beside altjit.ko): test_progs' tc tests (tc_bpf, tc_opts, tc_links;
# bpf_tc_attach fails with ENOENT without them) attach through them. Loaded once for every run,
# base included, so the runs stay comparable.
for _m in sch_ingress cls_bpf; do
	if [ -e /altjit/$_m.ko ] && ! grep -q "^$_m " /proc/modules; then
		check "insmod $_m.ko (for test_progs' tc tests)" insmod /altjit/$_m.ko
	fi
done
# test_progs' cgroup helpers mount cgroup2 on /mnt (fexit_bpf2bpf/fentry_to_cgroup_bpf); the
# busybox guest has no /mnt.
mkdir -p /mnt
diag "test_progs: $(sed -n 1p $TP_DIR/tests.txt | sed 's/^# //')"
# libbpf resolves __kconfig externs (7.3's timer_interrupt reads CONFIG_PREEMPT_RT) from
# /boot/config-$(uname -r) or /proc/config.gz, which the guest lacks: the kernel's own config,
# which build-progs puts beside test_progs, is put there for these runs and taken away after.
TP_KCONFIG=""
if [ -r $TP_DIR/config ] && [ ! -e /boot/config-$(uname -r) ] && [ ! -e /proc/config.gz ]; then
	mkdir -p /boot
	cp $TP_DIR/config /boot/config-$(uname -r)
	TP_KCONFIG=/boot/config-$(uname -r)
fi
# The tests of this run: those of scripts/test_progs.list, and under make check-full (ALTJIT_FULL=1)
# those of scripts/test_progs-full.list too. Without ALTJIT_FULL, test_progs is told the first by
# name (-t A,B,...: exact names from 6.1 on, substrings on 5.10, where no full test's name holds a
# core test's name).
TP_SEL=""
if [ "$AJ_FULL" = 1 ]; then
	tp_tests=$(awk '$1 == "test" || $1 == "full" { print $2 }' $TP_DIR/tests.txt)
	diag "test_progs: ALTJIT_FULL=1: the tests of test_progs.list and test_progs-full.list"
else
	tp_tests=$(awk '$1 == "test" { print $2 }' $TP_DIR/tests.txt)
	if grep -q '^full ' $TP_DIR/tests.txt; then
		TP_SEL="-t $(echo $tp_tests | tr ' ' ',')"
		diag "test_progs: only the tests of test_progs.list (those of test_progs-full.list with ALTJIT_FULL=1)"
	fi
fi
_m=$(awk '$1 == "missing" { printf " %s", $2 }' $TP_DIR/tests.txt)
[ -z "$_m" ] || diag "test_progs: not in this kernel's source:$_m"
# bpf_testmod.ko (scripts/build-testmod), beside test_progs: 6.1's and later test_progs load it at
# the start of each run and unload it at its end (without it they warn and skip what needs it).
aj_testmod $TP_DIR test_progs
_m=$(awk '$1 == "testmod" { printf " %s", $2 }' $TP_DIR/tests.txt)
if [ "$AJ_TESTMOD" = 1 ]; then
	[ -z "$_m" ] || diag "test_progs: refer to bpf_testmod.ko (loaded in every run):$_m"
else
	[ -z "$_m" ] || diag "test_progs: refer to bpf_testmod.ko (not here; those parts skip or fail alike in every run):$_m"
fi

# Known divergences, by run and kernel: (sub)tests that pass without altjit and fail under a scheme
# for a reason stated here. Each must fail exactly as said (a point fails when one passes again, so
# the list stays exact); anything else that differs fails. An entry NAME is "NAME: OK->FAIL"; an
# entry NAME/* lets NAME's subtests go from OK to FAIL or to no result (NAME stopped early).
# Up to 6.9 the legacy frame compiles programs with bpf2bpf calls and tail calls too
# (module/frame.c), so tailcall_bpf2bpf_* must count exactly as the stock JIT does under legacy as
# under optimized. From 6.10 on legacy hands such programs to the stock JIT (their frame is the
# one verifier_tailcall_jit's __jited lines describe) and takes the stock tail-call ABI, so the
# stock-JIT'ed ones share prog arrays with legacy programs (tailcall_bpf2bpf_hierarchy_3's legacy
# main tail-calls its stock-JIT'ed classifier_0; exceptions' exception_tail_call, stock, its
# stock-JIT'ed target). No known divergence is left; the mechanism stays for one that is stated.
# TP_KNOWN_ISO_<scheme>=1: the run's divergences include one that needs isolation_refused > 0.
TP_KNOWN_legacy="" TP_KNOWN_ISO_legacy=0
# Programs altjit hands to the stock JIT under legacy and optimized for a reason of the kernel's,
# by kernel (module/compat_prog.h), one reason a line: 7.x gives tracing programs with 64 bytes of
# stack or more a private stack, which altjit leaves to stock (test_progs has three:
# handle_uprobe_byname2 and handle_uretprobe_byname2 of test_attach_probe.bpf.o, loaded by
# fexit_bpf2bpf, and xdp_attach's tp_btf program); 6.9 on: programs with BPF exceptions
# (exceptions) and BPF arenas (arena_*, verifier_arena*), handed back whole, their subprograms
# with them (counted as "mode"). Their results must still be the baseline's.
TP_PRIV_WHY=""
case $(uname -r) in
[1-5].* | 6.[0-8].*) ;;
6.*) TP_PRIV_WHY="BPF exceptions
BPF arena" ;;
*) TP_PRIV_WHY="private stack
BPF exceptions
BPF arena" ;;
esac
# And legacy's own, from 6.10 on (above): programs with bpf2bpf calls and tail calls.
TP_PRIV_WHY_legacy=""
case $(uname -r) in
[1-5].* | 6.[0-9].*) ;;
*) TP_PRIV_WHY_legacy="bpf2bpf calls with tail calls" ;;
esac

# 7.3's timer test has timer_stress_nmi_race, _update and _cancel: each forks a child that runs a
# 500-million-iteration loop in threads while a perf event on CPU cycles fires the BPF program in
# NMI context. Without a hardware cycle counter (QEMU TCG has none: no
# /sys/bus/event_source/devices/cpu) they skip, but only after the child's loop has run, some 35 s
# each under TCG, in every run. They are left out there (test_progs -d), and said so.
# And timer_async_cancel (7.3) starts a 100 us timer whose callback sets err = 42, then cancels it
# with bpf_timer_cancel_async and expects err 0: under TCG the timer can fire first. It failed
# that way without altjit (and passed under legacy and optimized) in one guest run of two, so its
# result says nothing about the JIT: left out, like those. Only on 7.x, which has these tests
# (-d, exact names, is 5.11+; -b, which 5.10 has, matches substrings: timer_stress_async_cancel).
TP_DENY=""
case $(uname -r) in
[1-6].*) ;;
*)
	TP_DENY="timer_async_cancel"
	# 7.x splits flow_dissector (make check-full) into tests of which three fail as a whole
	# without altjit here (busybox cannot make their network namespace: EOPNOTSUPP/ENOENT), and
	# flow_dissector_namespace leaves its program attached to the root namespace when it does:
	# under legacy that image keeps altjit in use, and rmmod fails. Left out, like those.
	TP_DENY="$TP_DENY,flow_dissector_namespace,flow_dissector_skb_less_direct_attach"
	TP_DENY="$TP_DENY,flow_dissector_skb_less_indirect_attach"
	if [ ! -e /sys/bus/event_source/devices/cpu ]; then
		TP_DENY="$TP_DENY,timer_stress_nmi_race,timer_stress_nmi_update,timer_stress_nmi_cancel"
		diag "test_progs: no hardware cycle counter here: timer_stress_nmi_* left out (they would skip after minutes of work)"
	fi
	diag "test_progs: left out (test_progs -d): $TP_DENY"
	;;
esac

# tp_run NAME: run test_progs, output in /tmp/tp-NAME.out, one "RESULT NAME" line per test and
# subtest in /tmp/tp-NAME.res ("OK tailcalls/tailcall_1", "FAIL xdp"). Sets TP_OK (1 if it
# printed its summary), TP_SUM (the summary's numbers), TP_SECS.
tp_run() {
	_t0=$(date +%s)
	_rc=0
	(cd $TP_DIR && ./test_progs ${TP_DENY:+-d $TP_DENY} ${AJ_PROGS_ARGS:-$TP_SEL}) >/tmp/tp-$1.out 2>&1 || _rc=$?
	TP_SECS=$(($(date +%s) - _t0))
	# "#12/3   tailcalls/tailcall_3:OK", "#12     tailcalls:FAIL" (a subtest name may hold blanks).
	# With failures, test_progs repeats their logs and result lines after "All error logs:".
	# A test some of whose subtests skipped says "OK (SKIP: 1/20)" (6.12): kept as "OK(SKIP:1/20)".
	sed -n -E -e '/^All error logs:$/q' -e 's@:OK \(SKIP: ([0-9]+/[0-9]+)\)$@:OK(SKIP:\1)@' \
		-e 's@^#[0-9]+(/[0-9]+)?[[:space:]]+(.*):(OK|SKIP|FAIL|OK\(SKIP:[0-9]+/[0-9]+\))$@\3 \2@p' \
		/tmp/tp-$1.out | sort -k2 >/tmp/tp-$1.res
	# "Summary: 19/84 PASSED, 1 SKIPPED, 0 FAILED"; 7.x: "0/0 FAILED", "1 SKIPPED (2 not built)"
	_sum=$(grep -E '^Summary: [0-9]+/[0-9]+ PASSED, [0-9]+ SKIPPED( \([0-9]+ not built\))?, [0-9]+(/[0-9]+)? FAILED' \
		/tmp/tp-$1.out | tail -n 1) || true
	TP_OK=0 TP_SUM=-
	if [ -n "$_sum" ]; then
		TP_OK=1
		TP_SUM=${_sum#Summary: }
	fi
	diag "test_progs ($1): ${_sum:-no summary} (exit $_rc, ${TP_SECS}s)"
}

# tp_failed NAME: the failing tests and subtests of a run, one a line.
tp_failed() { awk '$1 == "FAIL" { print substr($0, 6) }' /tmp/tp-$1.res; }

# tp_show NAME TEST LINES: the last LINES lines test_progs printed up to a (sub)test's result line
# (a failing one's log comes right before it), as diagnostics.
tp_show() {
	awk -v t=" $2:" -v n="$3" '{ buf[NR % n] = $0 }
		/^All error logs:$/ { exit }
		/^#[0-9]/ && index($0, t) { for (i = NR - n + 1; i <= NR; i++) if (i > 0) print buf[i % n]; exit }' \
		/tmp/tp-$1.out | sed 's/^/#     /'
}

# tp_compare NAME: the points that compare run NAME with the baseline; known divergences (above)
# are taken out and checked on their own, after which the rest must be the baseline's exactly.
tp_compare() {
	eval "_known=\${TP_KNOWN_$1:-}"
	check "test_progs ($1): ran to its summary" [ "$TP_OK" = 1 ]
	if [ -z "$_known" ]; then
		check_eq "test_progs ($1): summary equals the baseline's ($BASE_RUN)" "$TP_SUM" "$BASE_SUM"
	fi
	# Every test's and subtest's result, by name, as in the baseline (also one that went missing).
	awk 'NR == FNR { r[substr($0, length($1) + 2)] = $1; next }
		{ n = substr($0, length($1) + 2); seen[n] = 1; if (r[n] != $1) print n ": " (n in r ? r[n] : "none") "->" $1 }
		END { for (n in r) if (!(n in seen)) print n ": " r[n] "->none" }' \
		/tmp/tp-$BASE_RUN.res /tmp/tp-$1.res >/tmp/tp-$1.diff
	eval "_kiso=\${TP_KNOWN_ISO_$1:-0}"
	echo "$_known" | tr ' ' '\n' | sed '/^$/d' | grep -v '/\*$' | sed 's/$/: OK->FAIL/' | sort >/tmp/tp-$1.known
	# NAME/*: the subtests of NAME that went from OK to FAIL or to none (awk: the names hold blanks)
	_wild=$(echo "$_known" | tr ' ' '\n' | sed -n 's@/\*$@/@p' | tr '\n' ' ' | sed 's/ $//')
	awk -v w="$_wild" 'BEGIN { n = split(w, p, " ") }
		{ for (i = 1; i <= n; i++) if (index($0, p[i]) == 1 && $0 ~ /: OK->(FAIL|none)$/) next; print }' \
		/tmp/tp-$1.diff >/tmp/tp-$1.diff2
	# (busybox grep -v -f with an empty pattern file drops every line: filter only with patterns)
	if [ -s /tmp/tp-$1.known ]; then
		_diff=$(grep -v -x -F -f /tmp/tp-$1.known /tmp/tp-$1.diff2) || true
	else
		_diff=$(cat /tmp/tp-$1.diff2)
	fi
	check "test_progs ($1): every test's and subtest's result as in the baseline ($(wc -l </tmp/tp-$1.res) results${_known:+; known divergences apart})" \
		[ -z "$_diff" -a -s /tmp/tp-$1.res ]
	if [ -n "$_diff" ]; then
		echo "$_diff" | head -n 20 | sed "s/^/# result changed ($BASE_RUN -> $1): /"
		echo "$_diff" | awk -F': ' '$2 ~ /->FAIL$/ { print $1 }' | head -n 5 | while IFS= read -r _t; do
			diag "  log of $_t under $1:"
			tp_show "$1" "$_t" 15
		done
	fi
	if [ -n "$_known" ]; then
		_seen=$(grep -x -F -f /tmp/tp-$1.known /tmp/tp-$1.diff | sort | tr '\n' ' ')
		_isook=1
		[ "$_kiso" != 1 ] || [ "$iso" -gt 0 ] || _isook=0
		check "test_progs ($1): the known divergences, each as stated (OK without altjit, FAIL here${_wild:+, subtests of $_wild may stop}; isolation_refused $iso, > 0 needed: $_kiso): $_known" \
			[ "$_seen" = "$(tr '\n' ' ' </tmp/tp-$1.known)" -a "$_isook" = 1 ]
		[ "$_seen" = "$(tr '\n' ' ' </tmp/tp-$1.known)" ] || diag "  diverged as known: ${_seen:-none}"
	fi
}

# tp_handed_back NAME: altjit's reasons for the programs it handed to the stock JIT during the run
# (its dmesg lines "altjit: program P: WHY; compiled by the stock JIT"), counted, as diagnostics;
# sets TP_BAD_WHY to the number of lines with a reason other than the expected ones (TP_PRIV_WHY),
# TP_PRIV_N to the number of lines with one of those, TP_UNSUP_OK to 1 when the unsupported count
# agrees: it equals TP_PRIV_N, or exceeds it when the kernel may have rate-limited altjit's lines
# (pr_info_ratelimited: a burst of 10 lines, then some dropped, not always said in dmesg). And
# TP_MODE_OK to 1 when no request was handed back for the mode, or some program was handed back
# whole (its subprograms follow it, counted as "mode", module/main.c).
tp_handed_back() {
	dmesg | sed -n 's/.*altjit: program \(.*\); compiled by the stock JIT$/\1/p' >/tmp/tp-$1.back
	TP_BAD_WHY=0 TP_PRIV_N=0 TP_UNSUP_OK=0 TP_MODE_OK=0
	[ "$mode_back" != 0 ] || TP_MODE_OK=1
	[ "$unsup" != 0 ] || TP_UNSUP_OK=1
	[ -s /tmp/tp-$1.back ] || return 0
	sort /tmp/tp-$1.back | uniq -c |
		awk -v r="$1" '{ c = $1; sub(/^ *[0-9]+ /, ""); print "# handed back (" r "): " c " x " $0 }'
	_rl=0
	if dmesg | grep -q 'callbacks suppressed'; then
		diag "  (some of altjit's dmesg lines were rate-limited: the list is not complete)"
		_rl=1
	fi
	eval "_own=\${TP_PRIV_WHY_$1:-}"
	printf '%s\n%s\n' "$TP_PRIV_WHY" "$_own" >/tmp/tp-why
	TP_BAD_WHY=$(awk 'NR == FNR { if ($0 != "") p[$0] = 1; next } { sub(/^[^:]*: /, "") }
		!($0 in p) { n++ } END { print n + 0 }' /tmp/tp-why /tmp/tp-$1.back)
	TP_PRIV_N=$(awk 'NR == FNR { if ($0 != "") p[$0] = 1; next } { sub(/^[^:]*: /, "") }
		$0 in p { n++ } END { print n + 0 }' /tmp/tp-why /tmp/tp-$1.back)
	if [ "$unsup" = "$TP_PRIV_N" ] || { [ "$_rl" = 1 -o "$TP_PRIV_N" -ge 10 ] && [ "$TP_PRIV_N" -gt 0 -a "$unsup" -gt "$TP_PRIV_N" ]; }; then
		TP_UNSUP_OK=1
	fi
	[ "$TP_PRIV_N" = 0 ] || TP_MODE_OK=1
}

BASE_RUN=""
for run in ${AJ_PROGS_RUNS:-base stock legacy optimized}; do
	if [ "$run" = base ]; then
		dmesg_clear
		tp_run base
	else
		if ! insmod $AJ_KO mode=$run; then
			not_ok "insmod altjit.ko mode=$run"
			continue
		fi
		aj_stats_mark
		dmesg_clear
		tp_run "$run"
		aj_stats_since
		diag "altjit ($run): requests $req, legacy_jited $leg, optimized_jited $opt," \
			"handed back: mode $mode_back, unsupported $unsup, error $err; isolation_refused $iso"
		tp_handed_back "$run"
	fi
	if [ "$AJ_TESTMOD" = 1 ]; then
		check "test_progs ($run): ran with bpf_testmod.ko loaded (no 'Selftests relying on bpf_testmod.ko will be skipped')" \
			sh -c "! grep -q -E 'relying on bpf_testmod.ko will be skipped|Failed to load bpf_testmod' /tmp/tp-$run.out"
	fi
	aj_testmod_gone "$run" test_progs
	if [ -z "$BASE_RUN" ]; then
		# The first run is the baseline the others are compared with.
		BASE_RUN=$run BASE_SUM=$TP_SUM
		check "test_progs ($run, the baseline): ran to its summary" [ "$TP_OK" = 1 ]
		# Count what ran: every test built reported a result, and some passed.
		# (a run narrowed by AJ_PROGS_ARGS: only that some ran and passed)
		_nores=""
		[ -z "${AJ_PROGS_ARGS:-}" ] || tp_tests=""
		for _t in $tp_tests; do
			# (7.3's timer.c has tests of its own left out with -d: TP_DENY, above)
			case ",$TP_DENY," in *",$_t,"*) continue ;; esac
			awk -v t="$_t" 'substr($0, length($1) + 2) == t { f = 1 } END { exit !f }' /tmp/tp-$run.res ||
				_nores="$_nores $_t"
		done
		_ok=$(awk '$1 == "OK"' /tmp/tp-$run.res | wc -l)
		_what="some test reported results"
		[ -z "$tp_tests" ] || _what="every test built reported a result ($(echo $tp_tests | wc -w) tests)"
		check "test_progs ($run): $_what ($(wc -l </tmp/tp-$run.res) results, $_ok OK)" \
			[ -z "$_nores" -a "$_ok" -gt 0 ]
		for _t in $_nores; do
			diag "  no result for $_t; test_progs said of it:"
			grep -F "$_t" /tmp/tp-$run.out | head -n 5 | sed 's/^/#     /'
		done
		_sk=$(awk '$1 == "SKIP" || $1 ~ /^OK\(SKIP/ { print substr($0, length($1) + 2) }' /tmp/tp-$run.res | tr '\n' ' ')
		[ -z "$_sk" ] || diag "baseline skips ($run): $_sk"
		# Every tailcalls subtest ran: a skipped one would pass under every scheme unseen. Its
		# subtests are "tailcalls/tailcall_N" from 6.1 on, bare "tailcall_N" on 5.10.
		_tsk=$(awk '$1 == "SKIP" && $2 ~ /^tailcall/' /tmp/tp-$run.res | wc -l)
		_tok=$(awk '$1 == "OK" && $2 ~ /^(tailcalls\/)?tailcall_/' /tmp/tp-$run.res | wc -l)
		_tf=$(awk '$1 != "OK" && $1 != "SKIP" && $2 ~ /^tailcall/' /tmp/tp-$run.res | wc -l)
		case " $(echo $tp_tests) " in
		*" tailcalls "*)
			check "test_progs ($run): every tailcalls subtest ran and passed ($_tok OK, $_tsk skipped, $_tf not OK)" \
				[ "$_tsk" = 0 -a "$_tf" = 0 -a "$_tok" -gt 0 ] ;;
		esac
		tp_failed "$run" >/tmp/tp-$run.failed
		if [ -s /tmp/tp-$run.failed ]; then
			diag "baseline failures ($run): $(tr '\n' ' ' </tmp/tp-$run.failed)"
			while IFS= read -r _t; do tp_show "$run" "$_t" 4; done </tmp/tp-$run.failed
		fi
	else
		tp_compare "$run"
	fi
	case $run in
	stock)
		check "altjit ($run): every JIT request of the run handed back to the stock JIT ($mode_back of $req)" \
			[ "$req" -gt 0 -a "$mode_back" = "$req" -a $((leg + opt)) = 0 ]
		;;
	legacy)
		# Up to 6.9 programs with bpf2bpf calls and tail calls too (tailcall_bpf2bpf_*): none
		# handed back; unsupported: only programs altjit names in dmesg with a reason of
		# TP_PRIV_WHY (none before 6.9) or, 6.10 on, legacy's own (TP_PRIV_WHY_legacy), and
		# their subprograms (mode); isolation refused only as known (above).
		_lwhy=$(printf '%s\n%s\n' "$TP_PRIV_WHY" "$TP_PRIV_WHY_legacy" | awk 'NF { printf "%s%s", n++ ? ", " : "", $0 }')
		check "altjit ($run): compiled every program of the run${_lwhy:+ but those with $_lwhy ($TP_PRIV_N named) and their subprograms} (legacy_jited +$leg of $req requests; handed back: unsupported $unsup, mode $mode_back, error $err; isolation_refused $iso)" \
			[ "$req" -gt 0 -a $((leg + unsup + mode_back)) = "$req" -a "$TP_UNSUP_OK" = 1 -a "$TP_MODE_OK" = 1 \
			-a "$opt" = 0 -a "$err" = 0 -a \( "$iso" = 0 -o "$TP_KNOWN_ISO_legacy" = 1 \) ]
		_what="no program handed back (dmesg)"
		[ -z "$_lwhy" ] || _what="every program handed back says one of: $_lwhy"
		check_eq "altjit ($run): $_what" "$TP_BAD_WHY" 0
		;;
	optimized)
		# (unsupported: as under legacy)
		check "altjit ($run): compiled every program of the run${TP_PRIV_WHY:+ but those with $(echo $TP_PRIV_WHY | sed 's/ B/, B/g') ($TP_PRIV_N named) and their subprograms} (optimized_jited +$opt of $req requests; handed back: unsupported $unsup, mode $mode_back, error $err)" \
			[ "$req" -gt 0 -a $((opt + unsup + mode_back)) = "$req" -a "$TP_UNSUP_OK" = 1 -a "$TP_MODE_OK" = 1 \
			-a "$leg" = 0 -a "$err" = 0 ]
		_what="no program handed back (dmesg)"
		[ -z "$TP_PRIV_WHY" ] || _what="every program handed back says one of: $(echo $TP_PRIV_WHY | sed 's/ B/, B/g')"
		check_eq "altjit ($run): $_what" "$TP_BAD_WHY" 0
		;;
	esac
	if [ "$run" != base ]; then
		dmesg | grep -i 'altjit' | grep -v 'compiled by the stock JIT$' | head -n 10 | sed 's/^/# dmesg: /' || true
	fi
	_bad=$(dmesg | grep -E -c "$AJ_SPLAT_RE") || true
	if [ "$_bad" = 0 ]; then
		ok "test_progs ($run): no kernel warning or oops"
	else
		not_ok "test_progs ($run): no kernel warning or oops"
		dmesg | grep -E -B2 -A12 "$AJ_SPLAT_RE" | head -n 40 | sed 's/^/#   /'
	fi
	dmesg -c >/dev/null
	if [ "$run" != base ]; then
		check "rmmod altjit ($run) once its images are freed" aj_rmmod
	fi
done
[ -z "$TP_KCONFIG" ] || rm -f "$TP_KCONFIG"
