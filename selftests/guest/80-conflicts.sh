# shellcheck shell=sh
# Conflicts and settings (issue 4.4): a second IPMODIFY user of bpf_int_jit_compile (altjit
# loaded twice under two names, or a livepatch of the function) fails cleanly whichever comes
# second; bpf_jit_enable=0 leaves the interpreter alone; bpf_jit_harden blinds constants in every
# scheme; bpf_jit_kallsyms and bpf_jit_limit behave as with the stock JIT.

TWIN=/altjit/altjit_twin.ko
KLP=/altjit/kmod/aj_klp.ko
STRESS=/altjit/prog/altjit_stress
ATTACH=/altjit/prog/altjit_attach
BPFFS=/sys/fs/bpf
SYSCTL=/proc/sys/net/core
KONST=0x5a17c0de
KONST_BYTES="de c0 17 5a"

if [ ! -r $TWIN ] || [ ! -r $KLP ] || [ ! -x $STRESS ]; then
	not_ok "conflict test modules and tools are in the guest ($TWIN, $KLP, $STRESS)"
	return 0
fi
# compiles: altjit (whichever instance is loaded) compiles a program under optimized.
compiles() {
	echo optimized >$AJ_SYS/mode || return 1
	_j=$(aj_stat optimized_jited)
	$STRESS load >/dev/null || return 1
	[ "$(aj_stat optimized_jited)" -gt "$_j" ]
}

# What the kernel alone does with an unprivileged load over bpf_jit_limit (altjit not loaded):
# each scheme, stock included, must end the same way (the sysctl part below).
limit_base="(not measured)"
lim=$(cat $SYSCTL/bpf_jit_limit) unpriv=$(cat /proc/sys/kernel/unprivileged_bpf_disabled)
if echo 0 >/proc/sys/kernel/unprivileged_bpf_disabled 2>/dev/null; then
	echo 1 >$SYSCTL/bpf_jit_limit
	u=$(as_nobody "$STRESS load" 2>&1) || true
	limit_base=${u%% jited*}
	echo "$lim" >$SYSCTL/bpf_jit_limit
	echo "$unpriv" >/proc/sys/kernel/unprivileged_bpf_disabled 2>/dev/null || true
	diag "without altjit, bpf_jit_limit=1: an unprivileged load ends '$limit_base'"
fi

# --- two instances ---
check "insmod altjit.ko" insmod $AJ_KO
dmesg_clear
check "a second instance (altjit_twin.ko) is refused" sh -c "! insmod $TWIN 2>/dev/null"
check "it says why, in one line" sh -c \
	"dmesg | grep -q 'altjit_twin: bpf_int_jit_compile is already redirected by another'"
check "the refused instance left nothing behind" sh -c "! grep -q '^altjit_twin ' /proc/modules"
check "the first instance still compiles" compiles
check "rmmod altjit" aj_rmmod
check "insmod altjit_twin.ko alone" insmod $TWIN
check "altjit.ko is refused while the twin is loaded" sh -c "! insmod $AJ_KO 2>/dev/null"
check "the twin compiles" compiles
check "rmmod altjit_twin" sh -c "rmmod altjit_twin && [ ! -e $AJ_SYS ]"

# --- a livepatch of bpf_int_jit_compile ---
dmesg_clear
if insmod $KLP; then
	ok "insmod the livepatch aj_klp.ko"
	check "the livepatch is enabled" grep -q 1 /sys/kernel/livepatch/aj_klp/enabled
	check "altjit.ko is refused while the livepatch is on" sh -c "! insmod $AJ_KO 2>/dev/null"
	check "and says why" sh -c "dmesg | grep -q 'altjit: bpf_int_jit_compile is already redirected by another ftrace IPMODIFY user'"
	check "the refused altjit left no /sys/kernel/altjit" [ ! -e $AJ_SYS ]
	echo 0 >/sys/kernel/livepatch/aj_klp/enabled
	n=0
	while [ -e /sys/kernel/livepatch/aj_klp ] && [ $n -lt 60 ]; do sleep 0.5; n=$((n + 1)); done
	check "the livepatch is disabled again" [ ! -e /sys/kernel/livepatch/aj_klp ]
	check "rmmod aj_klp" rmmod aj_klp
else
	not_ok "insmod the livepatch aj_klp.ko"
	dmesg | tail -5 | sed 's/^/# /'
fi
check "insmod altjit.ko" insmod $AJ_KO
dmesg_clear
check "the livepatch is refused while altjit is loaded" sh -c "! insmod $KLP 2>/dev/null"
check "no livepatch left enabled" [ ! -e /sys/kernel/livepatch/aj_klp ]
check "altjit still compiles" compiles

# --- sysctls, under each scheme ---
for s in stock legacy optimized; do
	echo $s >$AJ_SYS/mode
	j0=$(aj_stat ${s}_jited)

	echo 0 >$SYSCTL/bpf_jit_enable
	out=$($STRESS load 2>&1) || true
	echo 1 >$SYSCTL/bpf_jit_enable
	check_eq "$s: bpf_jit_enable=0: the interpreter runs it" "$out" "retval $((KONST)) jited 0"
	check_eq "$s: bpf_jit_enable=0: altjit compiled nothing" "$(aj_stat ${s}_jited)" "$j0"

	for h in 0 2; do
		echo $h >$SYSCTL/bpf_jit_harden
		rm -f $BPFFS/c_$s
		out=$($STRESS load -p $BPFFS/c_$s 2>&1) || true
		$ATTACH --jited $BPFFS/c_$s >/tmp/c.img 2>/dev/null || true
		bytes=$(od -An -v -tx1 /tmp/c.img | tr -s ' \n' '  ')
		check_eq "$s: bpf_jit_harden=$h: right result, JIT'ed" "$out" "retval $((KONST)) jited 1"
		# An empty or missing image has no constant either: it must not pass as blinded.
		[ -s /tmp/c.img ] || bytes=""
		case "$h:$bytes" in
		*:) not_ok "$s: bpf_jit_harden=$h: the JIT image could be read (altjit_attach --jited)" ;;
		0:*"$KONST_BYTES"*) ok "$s: bpf_jit_harden=0: the constant is in the image" ;;
		0:*) not_ok "$s: bpf_jit_harden=0: the constant is in the image" ;;
		2:*"$KONST_BYTES"*) not_ok "$s: bpf_jit_harden=2: the constant is blinded" ;;
		2:*) ok "$s: bpf_jit_harden=2: the constant is blinded" ;;
		esac
		rm -f $BPFFS/c_$s
	done
	echo 0 >$SYSCTL/bpf_jit_harden
	if [ $s != stock ]; then
		check "$s: blinded programs were compiled by altjit" [ "$(aj_stat ${s}_jited)" -ge $((j0 + 2)) ]
	fi

	for k in 0 1; do
		echo $k >$SYSCTL/bpf_jit_kallsyms
		rm -f $BPFFS/k_$s
		$STRESS load -p $BPFFS/k_$s >/dev/null || true
		tag=$(bpftool prog show pinned $BPFFS/k_$s | sed -n '1s/.* tag \([0-9a-f]\{16\}\).*/\1/p') || true
		# Without a tag, grep would look for bpf_prog__aj_const and find it 0 times.
		n="no tag"
		[ -z "$tag" ] || n=$(grep -c "bpf_prog_${tag}_aj_const" /proc/kallsyms || true)
		check_eq "$s: bpf_jit_kallsyms=$k: /proc/kallsyms lists the program $k times" "$n" "$k"
		rm -f $BPFFS/k_$s
	done
	echo 1 >$SYSCTL/bpf_jit_kallsyms

	# bpf_jit_limit caps what unprivileged users may JIT; root is exempt. Over the limit the
	# kernel refuses an unprivileged user's program (6.x: ENOTSUPP) or interprets it: whatever
	# it does under stock, it must do under altjit's schemes. Unprivileged users cannot read JIT
	# images, so the counters tell what was JIT'ed (${s}_jited; stock_jited under stock; libbpf
	# may load probe programs of its own too).
	lim=$(cat $SYSCTL/bpf_jit_limit) unpriv=$(cat /proc/sys/kernel/unprivileged_bpf_disabled)
	echo 0 >/proc/sys/kernel/unprivileged_bpf_disabled 2>/dev/null || true
	if [ "$(cat /proc/sys/kernel/unprivileged_bpf_disabled)" = 0 ]; then
		j0=$(aj_stat ${s}_jited)
		u1=$(as_nobody "$STRESS load" 2>&1) || true
		j1=$(aj_stat ${s}_jited)
		echo 1 >$SYSCTL/bpf_jit_limit
		u2=$(as_nobody "$STRESS load" 2>&1) || true
		j2=$(aj_stat ${s}_jited)
		r2=$($STRESS load 2>&1) || true
		echo "$lim" >$SYSCTL/bpf_jit_limit
		echo "$unpriv" >/proc/sys/kernel/unprivileged_bpf_disabled 2>/dev/null || true
		check_eq "$s: bpf_jit_limit: an unprivileged program under the limit runs" \
			"${u1%% jited*}" "retval $((KONST))"
		check "$s: bpf_jit_limit: ... and is JIT'ed ($((j1 - j0)) JIT'ed)" [ $((j1 - j0)) -ge 1 ]
		check_eq "$s: bpf_jit_limit=1: nothing of an unprivileged user's is JIT'ed" "$((j2 - j1))" 0
		check_eq "$s: bpf_jit_limit=1: the unprivileged load ends as without altjit" \
			"${u2%% jited*}" "$limit_base"
		check_eq "$s: bpf_jit_limit=1: root's program is still JIT'ed" "$r2" "retval $((KONST)) jited 1"
	else
		skip "$s: bpf_jit_limit" "kernel.unprivileged_bpf_disabled is locked at $unpriv"
	fi
done
echo stock >$AJ_SYS/mode
check "rmmod altjit once its images are freed" aj_rmmod
