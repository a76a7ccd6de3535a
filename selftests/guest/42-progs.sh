# shellcheck shell=sh
# altjit-progs (scripts/altjit-progs, issue 18): every loaded program's scheme, frame and sizes,
# read from its image. Programs whose frame is known (selftests/prog/altjit_pin: R6-R9 usage,
# early exits, tail calls, bpf2bpf calls) are loaded before insmod, under legacy, optimized and
# stock, and after rmmod; the command must report for each the scheme it was compiled under, the
# registers it pushes, its counter slot, its image size (bpftool's), its prologue and epilogue
# bytes (from the frame layouts of module/frame.c and the kernel's JIT), and its JSON must parse.

AP=/altjit/altjit-progs
PIN=/altjit/prog/altjit_pin
JC=/altjit/prog/json_check
ATTACH=/altjit/prog/altjit_attach
D=/sys/fs/bpf/pj
EXP=/tmp/pj.expect

if [ ! -x $AP ] || [ ! -x $PIN ] || [ ! -x $JC ]; then
	not_ok "altjit-progs and its test tools are in the guest ($AP, $PIN, $JC)"
	return 0
fi
! grep -q '^altjit ' /proc/modules || aj_rmmod
rm -rf $D $EXP
mkdir -p $D

# pj_load SCHEME KIND MASK NAME: load and pin, note what the command must report.
pj_load() {
	if out=$($PIN "$2" "$3" "$4" "$D/$4" 2>&1); then
		echo "${out#id } $2 $3 $1 $4" >>$EXP
	else
		not_ok "load $4 ($2, mask $3, under $1)"
		diag "  $out"
	fi
}

# The frame constants of this kernel: IBT (6.12, 7.3: endbr64 at the entry and at the tail-call
# entry), the counter-init slot (2 bytes; 3 from 6.10 on), the counter's prologue bytes (push rax;
# 6.12, 7.3: the counter-pointer sequence, 14 bytes).
# Legacy keeps the counter slots as the stock JIT does (lcnt: their pops at exit).
case $(uname -r) in
6.12.* | 7.*) ibt=4 slot=3 tcb=14 lcnt=2 conv=0 ;;
*) ibt=0 slot=2 tcb=1 lcnt=1 conv=8 ;;
esac
base=$((ibt + 5 + slot + 4 + ibt))		# endbr, nop5, slot, push rbp; mov rbp,rsp, endbr
# legacy: endbr (resize entry = the stock tail-call entry), marker, sub rsp, 4 pushes, counter slots,
# endbr (reuse entry)
lbase=$((ibt + 5 + slot + 4 + 7 + ibt + 7 + 7 + tcb + ibt))
# optimized's keep-frame mode (every program that tail-calls and has no bpf2bpf calls): the stock
# entry's endbr, the count's conversion (5.10/6.1: shr, sub), sub rsp, 4 pushes, counter slots,
# endbr (keep entry); its exit pops as legacy's
kbase=$((ibt + 5 + slot + 4 + ibt + conv + 7 + 7 + tcb + ibt))
# regbytes MASK: push/pop bytes of R6-R9 (rbx 1, r13-r15 2 each); regnames MASK
regbytes() { echo $(((${1} & 1) + ((${1} >> 1) & 1) * 2 + ((${1} >> 2) & 1) * 2 + ((${1} >> 3) & 1) * 2)); }
regnames() {
	_r=""
	[ $(($1 & 1)) = 0 ] || _r="$_r,rbx"
	[ $(($1 & 2)) = 0 ] || _r="$_r,r13"
	[ $(($1 & 4)) = 0 ] || _r="$_r,r14"
	[ $(($1 & 8)) = 0 ] || _r="$_r,r15"
	_r=${_r#,}
	echo "${_r:--}"
}
# JSON helpers on one program's line: jtop LINE (the line without its functions), jstr/jnum KEY
jtop() { echo "${1%%,\"functions\":*}"; }
jstr() { echo "$1" | sed -n "s/.*\"$2\":\"\([^\"]*\)\".*/\1/p"; }
jnum() { echo "$1" | sed -n "s/.*\"$2\":\([-0-9a-z]*\).*/\1/p"; }
# jfunc LINE N: function N's object
jfunc() { echo "${1#*\"functions\":\[}" | sed 's/},{/}\n{/g' | sed -n "$(($2 + 1))p"; }
jline() { grep -E "^\[?\{\"id\":$1," /tmp/pj.json; }
# rows: the table's program rows (not the summary line "N programs: ...")
rows() { awk '$1 ~ /^[0-9]+$/ && $2 !~ /^programs?:$/'; }

# pj_check WHEN: every program of $EXP against altjit-progs -j.
pj_check() {
	if ! $AP -j >/tmp/pj.json 2>/tmp/pj.err; then
		not_ok "$1: altjit-progs -j runs"
		sed 's/^/# /' /tmp/pj.err
		return 0
	fi
	# shellcheck disable=SC2034
	while read -r id kind mask scheme name; do
		line=$(jline "$id") || true
		if [ -z "$line" ]; then
			not_ok "$1: $name (id $id) is listed"
			continue
		fi
		top=$(jtop "$line")
		want=$scheme
		[ "$kind:$scheme" != single:stock ] && [ "$kind:$scheme" != single:optimized ] ||
			want=stock/optimized
		pushes=$(regnames "$mask") tcc=false pro=$((base + $(regbytes "$mask")))
		epi=$(($(regbytes "$mask") + 1 + R))
		[ "$kind" != tail ] && [ "$kind" != tailonly ] || tcc=true pro=$((pro + tcb))
		if [ "$scheme" = legacy ]; then
			pushes=rbx,r13,r14,r15 tcc=true pro=$lbase epi=$((lcnt + 7 + 1 + R))
		elif [ "$scheme" = optimized ] && [ "$tcc" = true ]; then
			pushes=rbx,r13,r14,r15 pro=$kbase epi=$((lcnt + 7 + 1 + R))
		fi
		jited=$(bpftool prog show id "$id" | sed -n 's/.* jited \([0-9]*\)B.*/\1/p')
		got="$(jstr "$top" scheme) $(jstr "$top" pushes) $(jnum "$top" tail_call_counter)"
		got="$got $(jnum "$top" image_bytes) $(jnum "$top" prologue_bytes) $(jnum "$top" epilogue_bytes)"
		check_eq "$1: $name ($kind, R6-R9 mask $mask, loaded $scheme): scheme, pushes, counter, image/prologue/epilogue bytes" \
			"$got" "$want $pushes $tcc $jited $pro $epi"
		if [ "$kind" = calls ]; then
			f1=$(jfunc "$line" 1)
			fw=r15 fs=$scheme fpro=$((base + 2)) fepi=$((2 + 1 + R))
			[ "$scheme" != legacy ] || fw=rbx,r13,r14,r15 fpro=$lbase fepi=$((lcnt + 7 + 1 + R))
			check_eq "$1: $name: its subprogram's scheme, pushes and prologue/epilogue bytes" \
				"$(jstr "$f1" scheme) $(jstr "$f1" pushes) $(jnum "$f1" prologue_bytes) $(jnum "$f1" epilogue_bytes) $(jfunc "$line" 2)" \
				"$fs $fw $fpro $fepi "
		fi
	done <$EXP
	# The JSON parses, and has as many programs as the table.
	jv=$($JC </tmp/pj.json) || true
	$AP >/tmp/pj.table
	sum=$(tail -1 /tmp/pj.table)
	n=$(rows </tmp/pj.table | wc -l)
	check_eq "$1: altjit-progs -j is valid JSON with every program of the table" "$jv" "valid: $n elements"
	diag "$1: altjit-progs:"
	sed 's/^/#   /' /tmp/pj.table
	# The summary adds up: N programs: a stock, b legacy, c optimized, d stock/optimized ...
	total=$(echo "$sum" | sed -n 's/^\([0-9]*\) programs: .*/\1/p')
	parts=$(echo "$sum" | sed 's/^[0-9]* programs: //' | awk -F, '{ for (i = 1; i <= NF; i++) s += $i } END { print s }')
	check_eq "$1: the summary line counts every program once" "$total $parts" "$n $n"
	# The table agrees with the JSON on each program's scheme.
	bad=$(awk 'NR == FNR { if (match($0, /"id":[0-9]+/)) { id = substr($0, RSTART + 5, RLENGTH - 5)
			match($0, /"scheme":"[^"]*"/); s[id] = substr($0, RSTART + 10, RLENGTH - 11) } next }
		$1 ~ /^[0-9]+$/ && $2 !~ /^programs?:$/ && s[$1] != $6 { print $1 }' /tmp/pj.json /tmp/pj.table | tr '\n' ' ')
	check_eq "$1: table and JSON report the same schemes" "$bad" ""
}

# 1. Before insmod: the stock JIT.
pj_load stock plain 5 pj_b_plain
pj_load stock single 0 pj_b_single
pj_load stock tail 2 pj_b_tail
pj_load stock calls 9 pj_b_calls
pj_load stock tailonly 0 pj_b_tailonly
aj_insmod || return 0
# 2. Each scheme.
echo legacy >$AJ_SYS/mode
pj_load legacy plain 3 pj_l_plain
pj_load legacy tail 12 pj_l_tail
pj_load legacy calls 1 pj_l_calls
echo optimized >$AJ_SYS/mode
pj_load optimized plain 5 pj_o_plain
pj_load optimized single 0 pj_o_single
pj_load optimized tail 2 pj_o_tail
pj_load optimized calls 9 pj_o_calls
pj_load optimized plain 15 pj_o_all
pj_load optimized tail 0 pj_o_tail0
pj_load optimized tailonly 0 pj_o_tailonly
pj_load optimized tailonly 5 pj_o_tailonly5
echo stock >$AJ_SYS/mode
pj_load stock plain 6 pj_s_plain
pj_load stock tail 15 pj_s_tail
rm -f /tmp/pj.hold
$PIN plain 1 pj_hold $D/pj_hold hold >/tmp/pj.hold &
hold=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s /tmp/pj.hold ] && break; sleep 0.5; done
echo "$(sed 's/^id //' /tmp/pj.hold) plain 1 stock pj_hold" >>$EXP

# The epilogue's return: ret, or the return thunk's jmp, maybe with int3 (stock, no registers).
$AP -j -n pj_b_single >/tmp/pj.json
R=$(($(jnum "$(jtop "$(cat /tmp/pj.json)")" epilogue_bytes) - 1)) || R=0
case $R in 1 | 2 | 5 | 6) ok "the return takes $R bytes (ret or the return thunk, maybe int3)" ;;
*) not_ok "the return takes 1, 2, 5 or 6 bytes (got $R)" ;; esac

pj_check loaded

# Filters: -s SCHEME lists exactly those programs; -i, -n, -t.
for s in legacy optimized; do
	got=$($AP -j -s $s | grep '"name":"pj_' | sed -n 's/^\[\{0,1\}{"id":\([0-9]*\),.*/\1/p' | sort | tr '\n' ' ')
	want=$(awk -v s=$s '$4 == s && $2 != "single" { print $1 }' $EXP | sort | tr '\n' ' ')
	check_eq "altjit-progs -s $s lists exactly the $s programs" "$got" "$want"
done
id=$(awk '$5 == "pj_o_calls" { print $1 }' $EXP)
check_eq "altjit-progs -i $id shows one program" "$($AP -i "$id" | rows | wc -l)" 1
check_eq "altjit-progs -n pj_o_calls shows it" "$($AP -n pj_o_calls | rows | awk '{ print $1 }')" "$id"
check_eq "altjit-progs -t socket_filter shows every program loaded here" \
	"$($AP -t socket_filter | rows | awk '$3 ~ /^pj_/ && $3 != "pj_target"' | wc -l)" "$(wc -l <$EXP)"
check_eq "altjit-progs -t xdp shows none of them" "$($AP -t xdp | rows | awk '$3 ~ /^pj_/' | wc -l)" 0

# Bytes saved: against a stock copy (same tag) when one is loaded, else unknown (null).
$AP -j >/tmp/pj.json
o=$(jtop "$(jline "$(awk '$5 == "pj_o_plain" { print $1 }' $EXP)")")
b=$(awk '$5 == "pj_b_plain" { print $1 }' $EXP)
bj=$(bpftool prog show id "$b" | sed -n 's/.* jited \([0-9]*\)B.*/\1/p')
check_eq "pj_o_plain: saved against its stock copy pj_b_plain" \
	"$(jnum "$o" saved_bytes) $(jnum "$o" saved_vs_id)" "$((bj - $(jnum "$o" image_bytes))) $b"
diag "  optimized $(jnum "$o" image_bytes) bytes, stock $bj bytes"
l=$(jtop "$(jline "$(awk '$5 == "pj_l_plain" { print $1 }' $EXP)")")
check_eq "pj_l_plain (no stock copy loaded): saved bytes unknown" "$(jnum "$l" saved_bytes)" null

# stock/optimized is said only of programs both lay out alike: the two copies' images are equal.
if $ATTACH --jited $D/pj_b_single >/tmp/pj_b.img 2>/dev/null &&
	$ATTACH --jited $D/pj_o_single >/tmp/pj_o.img 2>/dev/null && [ -s /tmp/pj_b.img ]; then
	check "single-exit program: the stock and the optimized image are byte-identical" \
		cmp -s /tmp/pj_b.img /tmp/pj_o.img
else
	not_ok "dump the single-exit program's images"
fi

# Holders: the process with an fd on pj_hold.
h=$(jtop "$(jline "$(sed 's/^id //' /tmp/pj.hold)")")
check_eq "pj_hold: held by the process that has its fd" "$(jstr "$h" held_by)" "$hold(altjit_pin)"
kill $hold 2>/dev/null || true
wait $hold 2>/dev/null || true

# 3. After rmmod (the legacy images pin altjit: freed first).
rm -f $D/pj_l_*
grep -v ' legacy pj_l_' $EXP >$EXP.new && mv $EXP.new $EXP
check "rmmod altjit once its legacy images are freed" aj_rmmod
pj_load stock plain 10 pj_a_plain
pj_load stock calls 4 pj_a_calls
pj_check "after rmmod"

rm -rf $D
