# shellcheck shell=sh
# altjit's own tail-call and frame suite (issue 3, points 2-4): selftests/prog/altjit_tailcall
# checks, under stock (the control), legacy and optimized, tail-call semantics against the
# interpreter or known values, the frame bytes of every program against module/frame.c's layouts,
# and stock and optimized programs tail-calling each other through one prog array. Its test
# points become points of this script.

TOOL=/altjit/prog/altjit_tailcall

if [ ! -x $TOOL ]; then
	not_ok "selftests/prog is in the guest ($TOOL)"
	return 0
fi
if ! insmod $AJ_KO; then
	not_ok "insmod altjit.ko"
	dmesg | tail -5 | sed 's/^/# /'
	return 0
fi
ok "insmod altjit.ko"
jit0=$(cat /proc/sys/net/core/bpf_jit_enable)

# TAP into a file (re-emitted below); its progress lines (stderr) come through as they happen.
if $TOOL 2>&1 >/tmp/tailcall.tap; then rc=0; else rc=$?; fi
n=0 fails=0 plan=""
while IFS= read -r line; do
	case $line in
	"not ok "*)
		n=$((n + 1)) fails=$((fails + 1))
		not_ok "altjit_tailcall: $(echo "$line" | sed 's/^not ok [0-9]* - //')"
		;;
	"ok "*)
		n=$((n + 1))
		d=$(echo "$line" | sed 's/^ok [0-9]* - //')
		case $d in
		*" # SKIP"*) skip "altjit_tailcall: ${d%% # SKIP*}" "${d#* # SKIP }" ;;
		*) ok "altjit_tailcall: $d" ;;
		esac
		;;
	"1.."*) plan=${line#1..} ;;
	"#"*) echo "$line" ;;
	"TAP version"*) ;;
	*) diag "altjit_tailcall: $line" ;;
	esac
done </tmp/tailcall.tap
# Its end: the plan matches, and it exits 0 iff nothing failed (a crash or a lost point shows here).
want_rc=0
[ $fails = 0 ] || want_rc=1
if [ "$plan" = "$n" ] && [ "$n" -gt 0 ] && [ "$rc" = $want_rc ]; then
	ok "altjit_tailcall ran to its end ($n points, $fails failed, exit $rc)"
else
	not_ok "altjit_tailcall ran to its end"
	diag "  exit $rc, $n points ($fails failed), plan '1..$plan'"
fi
check_eq "altjit_tailcall restored the mode" "$(cat $AJ_SYS/mode)" "[stock] legacy optimized"
check_eq "altjit_tailcall restored bpf_jit_enable" "$(cat /proc/sys/net/core/bpf_jit_enable)" "$jit0"
if dmesg | grep -q 'altjit: extra pass .* failed'; then
	not_ok "no failed extra pass in dmesg"
	dmesg | grep 'altjit:' | tail -5 | sed 's/^/# /'
else
	ok "no failed extra pass in dmesg"
fi

check "rmmod altjit once its images are freed" aj_rmmod
