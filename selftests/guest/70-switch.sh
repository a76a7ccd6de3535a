# shellcheck shell=sh
# Live switching (issue 4.2): while this CPU loads, runs and frees a mix of programs (plain,
# bpf2bpf calls, tail calls, tail calls from subprograms), a second process flips the mode at
# least AJ_SWITCH_FLIPS (20000) times (under TCG: 47808 on 6.12, 33152 on 6.1, 32640 on 5.10). Results must match the
# interpreter, every program must carry one frame in all its functions, mismatched tail-call pairs
# must be refused (some must have been, and a deliberate one is; from 6.10 on, where legacy takes
# the stock tail-call ABI, they must run right and none be refused), and no program may go to the
# stock JIT but for the mode: first, under a fixed optimized and legacy mode, altjit's counters
# must show every JIT request compiled by that scheme (selftests/prog/altjit_stress.c).
# run.sh fails the whole run on any WARN/BUG/Oops/lockdep line in dmesg.

STRESS=/altjit/prog/altjit_stress
need_tool $STRESS || return 0
aj_insmod mode=optimized || return 0
if $STRESS switch -n "${AJ_SWITCH_ITERS:-1000}" -f "${AJ_SWITCH_FLIPS:-20000}" >/tmp/switch.tap 2>&1; then
	rc=0
else
	rc=$?
fi
relay_tap altjit_stress /tmp/switch.tap $rc
check_eq "mode is stock again" "$(cat $AJ_SYS/mode)" "[stock] legacy optimized"
check "rmmod altjit once its images are freed" aj_rmmod
