# shellcheck shell=sh
# What a user of altjit expects of the usual tools: bpftool loads, pins, shows and dumps programs
# altjit compiled, /proc/kallsyms names them, the stats count them, legacy images carry the legacy
# marker and optimized ones do not; fentry/fexit programs attach to altjit's programs and
# subprograms (selftests/prog/altjit_attach, whose test points become points of this script).

PROG_DIR=/altjit/prog
TARGET=$PROG_DIR/progs/attach_target.bpf.o
ATTACH=$PROG_DIR/altjit_attach
BPFFS=/sys/fs/bpf
# nopl 0x414a4c47(%rax): module/frame.c's legacy marker.
MARKER="0f 1f 80 47 4c 4a 41"

if [ ! -r $TARGET ] || [ ! -x $ATTACH ]; then
	not_ok "selftests/prog is in the guest ($ATTACH, $TARGET)"
	return 0
fi

# The bpftool that disassembles: /altjit/bpftool-dis (scripts/build-bpftool, added by scripts/check)
# when the host built it, else Debian's, which cannot (its dump jited points are then skipped).
DIS_BPFTOOL=bpftool
[ -x /altjit/bpftool-dis ] && DIS_BPFTOOL=/altjit/bpftool-dis
DIS_INSN='^[[:space:]]*[0-9a-f]+:[[:space:]]+'
DIS_MARKER='((0x414a4c47|1095388231)\(%rax\)|(DWORD PTR )?\[rax ?\+ ?(0x414a4c47|1095388231)\])'
# dis_has MNEMONIC-ERE: /tmp/t_dis has an instruction line starting with it.
dis_has() { grep -E -q "$DIS_INSN$1" /tmp/t_dis; }
dis_hasnt() { ! dis_has "$1"; }

# hex FILE: the file's bytes as " xx xx xx ..." on one line.
hex() { od -An -v -tx1 "$1" | tr -s ' \n' '  '; }
# has HAYSTACK NEEDLE, hasnt HAYSTACK NEEDLE
has() { case "$1" in *"$2"*) return 0 ;; *) return 1 ;; esac; }
hasnt() { ! has "$1" "$2"; }

aj_insmod || return 0

for s in legacy optimized; do
	pin=$BPFFS/t_$s img=/tmp/t_$s.img
	rm -f $pin $img
	if ! echo $s >$AJ_SYS/mode; then
		not_ok "$s: switch mode"
		continue
	fi
	ok "$s: switch mode"
	j0=$(aj_stat ${s}_jited) || true
	if ! bpftool prog load $TARGET $pin >/tmp/t_load.log 2>&1; then
		not_ok "$s: bpftool prog load $TARGET $pin"
		tail -20 /tmp/t_load.log | sed 's/^/# /'
		continue
	fi
	ok "$s: bpftool prog load $TARGET $pin"

	# "42: sched_cls  name at_main  tag 0123456789abcdef  gpl" ... "xlated 1808B  jited 951B ..."
	show=$(bpftool prog show pinned $pin 2>&1) || true
	id=$(echo "$show" | sed -n '1s/^\([0-9][0-9]*\): .*/\1/p')
	name=$(echo "$show" | sed -n '1s/.* name \([^ ]*\) .*/\1/p')
	tag=$(echo "$show" | sed -n '1s/.* tag \([0-9a-f]\{16\}\).*/\1/p')
	size=$(echo "$show" | sed -n 's/.* jited \([0-9][0-9]*\)B.*/\1/p')
	if [ -n "$id" ] && [ "$name" = at_main ] && [ -n "$tag" ] && [ "${size:-0}" -gt 0 ]; then
		ok "$s: bpftool prog show pinned: id, name, tag and jited size"
		diag "$s: id $id, name $name, tag $tag, jited ${size}B"
	else
		not_ok "$s: bpftool prog show pinned: id, name, tag and jited size"
		echo "$show" | sed 's/^/# /'
	fi

	dis_mk="$s: bpftool prog dump jited shows the legacy marker (nopl 0x414a4c47(%rax))"
	[ $s = legacy ] || dis_mk="$s: bpftool prog dump jited shows no legacy marker"
	if $DIS_BPFTOOL prog dump jited pinned $pin >/tmp/t_dis 2>&1; then
		# Instruction lines, "  1c:<TAB>pushq<TAB>%rbp" (LLVM) or "  1c:<TAB>push   %rbp" (libbfd).
		if dis_has 'push' && dis_has 'mov' && { dis_has 'ret' || dis_has 'jmp'; }; then
			ok "$s: bpftool prog dump jited shows x86 code"
			diag "$s: $DIS_BPFTOOL: $(grep -c -E "$DIS_INSN" /tmp/t_dis) instructions"
		else
			not_ok "$s: bpftool prog dump jited shows x86 code"
			head -20 /tmp/t_dis | sed 's/^/# /'
		fi
		# The marker as the disassembler prints it: "nopl 0x414a4c47(%rax)" (libbfd),
		# "nopl 1095388231(%rax)" (LLVM: decimal), "nop DWORD PTR [rax+0x414a4c47]" (Intel syntax).
		if [ $s = legacy ]; then
			if dis_has "nop[lw]?[[:space:]]+$DIS_MARKER"; then
				ok "$dis_mk"
				diag "  $(grep -E "$DIS_MARKER" /tmp/t_dis | head -1 | tr -s '\t ' ' ')"
			else
				not_ok "$dis_mk"
				head -20 /tmp/t_dis | sed 's/^/# /'
			fi
		else
			check "$dis_mk" dis_hasnt "nop[lw]?[[:space:]]+$DIS_MARKER"
		fi
	elif grep -q -i -e 'libbfd' -e 'disassembl' /tmp/t_dis; then
		skip "$s: bpftool prog dump jited shows x86 code" \
			"this bpftool cannot disassemble: $(head -1 /tmp/t_dis)"
		skip "$dis_mk" "this bpftool cannot disassemble"
	else
		not_ok "$s: bpftool prog dump jited shows x86 code"
		head -20 /tmp/t_dis | sed 's/^/# /'
	fi

	# The raw image: bpftool writes it when it can, altjit_attach --jited otherwise.
	if bpftool prog dump jited pinned $pin file $img >/dev/null 2>&1 && [ -s $img ]; then
		how="bpftool prog dump jited ... file"
	elif $ATTACH --jited $pin >$img 2>/tmp/t_img.err; then
		how="altjit_attach --jited"
	else
		how=""
		sed 's/^/# /' /tmp/t_img.err
	fi
	got=0
	[ ! -r $img ] || got=$(($(wc -c <$img)))
	if [ -n "$how" ] && [ "$got" = "$size" ]; then
		ok "$s: raw image ($how) is the jited size, ${size}B"
	else
		not_ok "$s: raw image (${how:-none}) is the jited size"
		diag "  got ${got}B, bpftool prog show says '${size}'B"
	fi
	bytes=$(hex $img 2>/dev/null) || bytes=""
	head16=$(echo "$bytes" | cut -d' ' -f2-17)
	# push rbp; mov rbp,rsp near the start (after endbr64, nop5, counter init); leave; ret or
	# leave; jmp (return thunk) somewhere.
	if has " $head16" " 55 48 89 e5" && { has "$bytes" " c9 c3" || has "$bytes" " c9 e9"; }; then
		ok "$s: raw image is x86 code (push rbp; mov rbp,rsp ... leave; ret/jmp)"
	else
		not_ok "$s: raw image is x86 code (push rbp; mov rbp,rsp ... leave; ret/jmp)"
		diag "  starts with:$head16"
	fi
	if [ $s = legacy ]; then
		check "legacy: raw image carries the legacy marker ($MARKER)" has "$bytes" " $MARKER"
	else
		check "$s: raw image has no legacy marker" hasnt "$bytes" " $MARKER"
	fi

	sym=bpf_prog_${tag}_$name
	check "$s: /proc/kallsyms lists $sym" \
		awk -v s="$sym" '$3 == s { f = 1 } END { exit !f }' /proc/kallsyms
	j1=$(aj_stat ${s}_jited) || true
	if [ -n "$j0" ] && [ -n "$j1" ] && [ "$j1" -gt "$j0" ]; then
		ok "$s: ${s}_jited went up ($j0 -> $j1)"
	else
		not_ok "$s: ${s}_jited went up"
		diag "  ${s}_jited '$j0' -> '$j1'"
	fi

	rm -f $img
	# rm without -f: it fails when the pin is not there to remove.
	check "$s: remove the pin" sh -c "rm $pin && [ ! -e $pin ]"
done
echo stock >$AJ_SYS/mode || true

# altjit_attach's own TAP, one point here per point there.
if $ATTACH >/tmp/attach.tap 2>&1; then rc=0; else rc=$?; fi
relay_tap altjit_attach /tmp/attach.tap $rc
check_eq "altjit_attach restored the mode" "$(cat $AJ_SYS/mode)" "[stock] legacy optimized"

check "rmmod altjit once its images are freed" aj_rmmod
