# shellcheck shell=sh
# The module that DKMS built (issue 6): scripts/check runs dkms add/build/install against this
# kernel's headers on the host and passes the result as /altjit/altjit-dkms.ko and as this
# guest's /lib/modules/<kver>/updates/dkms (with depmod's modules.dep). It must be a module for
# this kernel, built from the same sources as altjit.ko, load with insmod and with modprobe (the
# host path: `modprobe altjit mode=optimized`, options from modprobe.d) and compile programs.

DKMS_KO=/altjit/altjit-dkms.ko
if [ ! -e $DKMS_KO ]; then
	skip "module built by DKMS" "no $DKMS_KO: not built for $(uname -r) (ALTJIT_DKMS_KERNELS, host points)"
	return 0
fi
KVER=$(uname -r)
ko_field() { modinfo -F "$2" "$1" 2>/dev/null | head -n 1; }

check "altjit is not loaded before anyone asks" sh -c '! grep -q "^altjit " /proc/modules'
vermagic=$(ko_field $DKMS_KO vermagic)
check_eq "DKMS module's vermagic names this kernel" "${vermagic%% *}" "$KVER"
check_eq "DKMS module's version is the package's" "$(ko_field $DKMS_KO version)" "0.1"
check_eq "DKMS module built from the same sources as altjit.ko (srcversion)" \
	"$(ko_field $DKMS_KO srcversion)" "$(ko_field $AJ_KO srcversion)"

# insmod, and compile programs under optimized.
if insmod $DKMS_KO mode=optimized; then
	ok "insmod altjit-dkms.ko mode=optimized"
	check_eq "mode reads [optimized]" "$(cat $AJ_SYS/mode)" "stock legacy [optimized]"
	o0=$(aj_stat optimized_jited)
	case $KVER in 5.*) run_test_bpf ;; *) run_test_bpf test_range=0,99 ;; esac
	diag "DKMS module (optimized): $TB_SUMMARY"
	check "test_bpf ran and JIT'ed programs ($TB_JIT)" [ "$TB_RUN" = 1 -a "$TB_JIT" -gt 0 ]
	check_eq "test_bpf under the DKMS module: no failures" "$TB_FAIL" 0
	check_eq "every JIT'ed program compiled optimized (optimized_jited +N == JIT'ed)" \
		"$(($(aj_stat optimized_jited) - o0))" "$TB_JIT"
	check "rmmod the DKMS module" aj_rmmod
	check "rmmod removes /sys/kernel/altjit" [ ! -e $AJ_SYS ]
else
	not_ok "insmod altjit-dkms.ko mode=optimized"
	dmesg | tail -5 | sed 's/^/# /'
fi

# The install path of a host: modprobe finds updates/dkms/altjit.ko through modules.dep.
check "modules.dep lists updates/dkms/altjit.ko" grep -q '^updates/dkms/altjit.ko:' "/lib/modules/$KVER/modules.dep"
if modprobe altjit mode=optimized; then
	ok "modprobe altjit mode=optimized"
	check_eq "modprobe'd module runs optimized" "$(cat $AJ_SYS/mode)" "stock legacy [optimized]"
	check_eq "modprobe loaded the DKMS build (srcversion)" "$(cat /sys/module/altjit/srcversion)" \
		"$(ko_field $DKMS_KO srcversion)"
	check "modprobe -r altjit" modprobe -r altjit
	check "modprobe -r removes /sys/kernel/altjit" [ ! -e $AJ_SYS ]
else
	not_ok "modprobe altjit mode=optimized"
	dmesg | tail -5 | sed 's/^/# /'
fi
# Options from modprobe.d, as the README's example sets them.
mkdir -p /etc/modprobe.d
echo "options altjit mode=legacy" >/etc/modprobe.d/altjit.conf
if modprobe altjit; then
	ok "modprobe altjit with options from /etc/modprobe.d/altjit.conf"
	check_eq "modprobe.d's mode=legacy applies" "$(cat $AJ_SYS/mode)" "stock [legacy] optimized"
	check "modprobe -r altjit (legacy, no programs)" modprobe -r altjit
else
	not_ok "modprobe altjit with options from /etc/modprobe.d/altjit.conf"
fi
rm -f /etc/modprobe.d/altjit.conf
check "altjit is unloaded at the end" sh -c '! grep -q "^altjit " /proc/modules'
