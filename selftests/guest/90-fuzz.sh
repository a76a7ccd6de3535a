# shellcheck shell=sh
# Differential fuzzing (issue 4, point 7): selftests/prog/altjit_fuzz generates random
# verifier-accepted program sets (selftests/fuzz/gen.c) and runs each under the kernel's
# interpreter, the stock JIT and altjit's legacy and optimized schemes (one seed in four with
# bpf_jit_harden=2), comparing return values, the whole map value the programs store to (read back
# after the run) and the packet they read and write. The regression seeds of 90-fuzz.seeds run
# first. Its TAP points become points of this script.
#   FUZZ_COUNT=N      seeds per kernel (default: 2500 in make check, 20000 in make check-full)
#   FUZZ_SEED=1       first seed
#   FUZZ_SECONDS=N    run for N seconds instead of FUZZ_COUNT seeds (make fuzz)

TOOL=/altjit/prog/altjit_fuzz
SEEDS=/altjit/tests/90-fuzz.seeds

need_tool $TOOL || return 0
aj_insmod || return 0
jit0=$(cat /proc/sys/net/core/bpf_jit_enable)

if [ -n "${FUZZ_SECONDS:-}" ]; then
	set -- -t "$FUZZ_SECONDS"
else
	set -- -n "${FUZZ_COUNT:-$(aj_full 20000 2500)}"
fi
diag "altjit_fuzz -R $SEEDS -s ${FUZZ_SEED:-1} $*"
start=$(date +%s)
if $TOOL -R $SEEDS -s "${FUZZ_SEED:-1}" "$@" >/tmp/fuzz.tap 2>/tmp/fuzz.err; then rc=0; else rc=$?; fi
diag "altjit_fuzz took $(($(date +%s) - start)) s"
grep -v '^# altjit_fuzz: [0-9]* seeds' /tmp/fuzz.err | sed 's/^/# /' | head -20
# mismatches (their seeds, programs and images) come through as diagnostics
relay_tap altjit_fuzz /tmp/fuzz.tap $rc
if [ $rc -gt 1 ]; then
	diag "altjit_fuzz died at: $(cat /tmp/altjit_fuzz.progress 2>/dev/null)"
fi
grep '^# regression candidate:' /tmp/fuzz.tap | sort -u | head -20
check_eq "altjit_fuzz restored the mode" "$(cat $AJ_SYS/mode)" "[stock] legacy optimized"
check_eq "altjit_fuzz restored bpf_jit_enable" "$(cat /proc/sys/net/core/bpf_jit_enable)" "$jit0"
check "rmmod altjit once its images are freed" aj_rmmod
