# shellcheck shell=sh
# altjit's own tail-call and frame suite (issue 3, points 2-4): selftests/prog/altjit_tailcall
# checks, under stock (the control), legacy and optimized, tail-call semantics against the
# interpreter or known values, the frame bytes of every program against module/frame.c's layouts,
# and stock and optimized programs tail-calling each other through one prog array. Its test
# points become points of this script.

TOOL=/altjit/prog/altjit_tailcall

need_tool $TOOL || return 0
aj_insmod ${AJ_INSMOD_ARGS:-} || return 0
jit0=$(cat /proc/sys/net/core/bpf_jit_enable)

# TAP into a file (re-emitted below); its progress lines (stderr) come through as they happen.
if $TOOL 2>&1 >/tmp/tailcall.tap; then rc=0; else rc=$?; fi
relay_tap altjit_tailcall /tmp/tailcall.tap $rc
check_eq "altjit_tailcall restored the mode" "$(cat $AJ_SYS/mode)" "[stock] legacy optimized"
check_eq "altjit_tailcall restored bpf_jit_enable" "$(cat /proc/sys/net/core/bpf_jit_enable)" "$jit0"
if dmesg | grep -q 'altjit: extra pass .* failed'; then
	not_ok "no failed extra pass in dmesg"
	dmesg | grep 'altjit:' | tail -5 | sed 's/^/# /'
else
	ok "no failed extra pass in dmesg"
fi

check "rmmod altjit once its images are freed" aj_rmmod
