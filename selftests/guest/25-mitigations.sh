# shellcheck shell=sh
# Mitigations on the CPU this guest was booted as (issue 12). AJ_EXPECT (set by scripts/check for
# its CPU-model guests) names what the kernel must have turned on here: "stuffing" (retbleed=stuff:
# call-depth tracking), "bhb_loop" (the Spectre-BHB clearing loop), "lfence" (retpoline=lfence);
# AJ_INSMOD_ARGS may add test_mitigations=... (sequences TCG cannot turn on, emitted anyway).
# Then: an unprivileged socket filter carries the stock JIT's Spectre-BHB barrier under legacy
# and optimized too (byte for byte but the call's rel32), and programs with calls carry the
# kernel's call-depth accounting as often as the stock JIT's.

VULN=/sys/devices/system/cpu/vulnerabilities
CBPF=/altjit/prog/altjit_cbpf
diag "cpu: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); cmdline: $(cat /proc/cmdline)"
diag "spectre_v2: $(cat $VULN/spectre_v2 2>/dev/null)"
diag "retbleed: $(cat $VULN/retbleed 2>/dev/null)"
bhb=0 forced=0
for e in ${AJ_EXPECT:-}; do
	case $e in
	stuffing) check "the kernel mitigates retbleed by call-depth stuffing here" grep -q 'Stuffing' $VULN/retbleed ;;
	bhb_loop) check "the kernel clears the branch history with its loop here" grep -q 'BHI: SW loop' $VULN/spectre_v2
		bhb=1 ;;
	lfence) check "the kernel uses lfence retpolines here" grep -q 'LFENCE' $VULN/spectre_v2 ;;
	*) not_ok "AJ_EXPECT names something known ($e)" ;;
	esac
done
case " ${AJ_INSMOD_ARGS:-} " in *bhb_loop*) forced=1 ;; esac

# IBT: altjit reaches unexported kernel functions only through static calls (direct jumps, which
# IBT does not check; objtool seals the ENDBR of most of them). Each must be a direct jmp to the
# function itself, or just past its ENDBR (6.12: kprobes report kallsyms_lookup_name + 4).
aj_insmod ${AJ_INSMOD_ARGS:-} || return 0
nks=0 bad=""
while read -r sym addr how; do
	[ "$how" = absent ] && continue
	nks=$((nks + 1))
	ka=$(awk -v s="$sym" '$3 == s { print $1; exit }' /proc/kallsyms)
	if [ "$how" != direct ] || [ -z "$ka" ] ||
		{ [ "$((0x$addr))" != "$((0x$ka))" ] && [ "$((0x$addr))" != "$((0x$ka + 4))" ]; }; then
		bad="$bad $sym($how $addr kallsyms ${ka:-none})"
	fi
done <$AJ_SYS/ksyms
check "every unexported kernel function altjit calls ($nks) is a direct jump to it${bad:+:$bad}" [ $nks -ge 10 ] && [ -z "$bad" ]
check "rmmod altjit" aj_rmmod

need_tool $CBPF || return 0
# hexbytes FILE: the bytes of FILE as one line of " xx" pairs.
hexbytes() { od -An -tx1 -v "$1" | tr -s ' \n' '  '; }
# The barrier: push rax; push rcx; [call-depth accounting]; call rel32; pop rcx; pop rax; [ibhf].
BHB_RE='50 51( 65 48 c1 3d [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} 05)? e8 [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} 59 58( f3 48 0f 1e f8)?'
# barrier_of: the barrier in the last captured cBPF image, its call's rel32 blanked ("" if none).
barrier_of() {
	hexbytes $AJ_SYS/test_last_cbpf | grep -E -o "$BHB_RE" | head -1 |
		sed -E 's/e8( [0-9a-f]{2}){4}/e8 xx xx xx xx/'
}

if [ $bhb = 1 ] || [ $forced = 1 ]; then
	aj_insmod test_capture=1 ${AJ_INSMOD_ARGS:-} || return 0
	ref=""
	for s in stock legacy optimized; do
		echo $s >$AJ_SYS/mode
		j0=$(aj_stat ${s}_jited)
		check "an unprivileged socket filter decides right ($s)" as_nobody $CBPF
		b=$(barrier_of)
		diag "$s, unprivileged: barrier '$b'"
		[ $s = stock ] || check_eq "the socket filter was compiled by altjit ($s)" "$(($(aj_stat ${s}_jited) - j0))" 1
		if [ $s = stock ]; then
			ref=$b
			if [ $bhb = 1 ]; then check "the stock JIT puts the BHB barrier in an unprivileged socket filter" [ -n "$b" ]; fi
		elif [ $bhb = 1 ]; then
			check_eq "$s: the same BHB barrier as the stock JIT's" "$b" "$ref"
		else
			check "$s: the forced BHB barrier is in the image" [ -n "$b" ]
		fi
		check "a root socket filter decides right ($s)" $CBPF
		check_eq "$s: no BHB barrier when the loader has CAP_SYS_ADMIN" "$(barrier_of)" ""
	done
	echo stock >$AJ_SYS/mode
	check "rmmod altjit" aj_rmmod
else
	diag "no Spectre-BHB barrier on this CPU: socket-filter parity not checked"
fi

# Call-depth accounting (sarq $5, %gs:...: 65 48 c1 3d rel32 05) before calls, as the stock JIT.
if grep -q 'Stuffing' $VULN/retbleed 2>/dev/null; then
	aj_insmod ${AJ_INSMOD_ARGS:-} || return 0
	for s in stock legacy optimized; do
		echo $s >$AJ_SYS/mode
		rm -rf /sys/fs/bpf/cd
		if bpftool prog loadall /altjit/bench/progs/calls.bpf.o /sys/fs/bpf/cd 2>/tmp/cd.err; then
			n=0
			for p in /sys/fs/bpf/cd/*; do
				/altjit/prog/altjit_attach --jited "$p" >/tmp/cd.img 2>/dev/null || n=-999
				n=$((n + $(hexbytes /tmp/cd.img | grep -E -o '65 48 c1 3d [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} 05' | wc -l)))
			done
			eval "cd_$s=$n"
			diag "$s: $n call-depth accountings in calls.bpf.o's image"
		else
			not_ok "load calls.bpf.o ($s)"
			sed 's/^/# /' /tmp/cd.err | tail -3
		fi
		rm -rf /sys/fs/bpf/cd
	done
	check "the stock JIT accounts call depth in calls.bpf.o ($cd_stock > 0)" [ "${cd_stock:-0}" -gt 0 ]
	check_eq "optimized: as many call-depth accountings as the stock JIT" "${cd_optimized:-x}" "${cd_stock:-y}"
	check_eq "legacy: as many call-depth accountings as the stock JIT" "${cd_legacy:-x}" "${cd_stock:-y}"
	echo stock >$AJ_SYS/mode
	check "rmmod altjit" aj_rmmod
fi
