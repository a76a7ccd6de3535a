# shellcheck shell=sh
# Legacy images outlive nothing they depend on (issue 3/4): a live legacy program keeps altjit
# loaded, and a prog array never mixes legacy with stock/optimized tail-call entries (before 6.10;
# from 6.10 on legacy takes the stock tail-call ABI and they share arrays).

OBJ=/altjit/bench/progs/xdp1.bpf.o
if [ ! -r $OBJ ]; then
	skip "legacy lifetime and isolation" "no $OBJ in the guest"
	return 0
fi
BPFFS=/sys/fs/bpf
mode() { echo "$1" >$AJ_SYS/mode; }
load() { bpftool prog load $OBJ $BPFFS/$1 >/dev/null 2>&1; }

check "insmod altjit.ko mode=legacy" insmod $AJ_KO mode=legacy
check "load a legacy program" load aj_legacy
check "legacy_live counts it" [ "$(aj_stat legacy_live)" -ge 1 ]
check "rmmod is refused while a legacy image lives" sh -c '! rmmod altjit 2>/dev/null'
check "altjit is still loaded after the refused rmmod" [ -d $AJ_SYS ]

mode stock
check "load a stock program" load aj_stock
mode optimized
check "load an optimized program" load aj_opt
bpftool map create $BPFFS/aj_pa type prog_array key 4 value 4 entries 4 name aj_pa >/dev/null 2>&1
put() { bpftool map update pinned $BPFFS/$1 key $2 0 0 0 value pinned $BPFFS/$3 2>/dev/null; }
r0=$(aj_stat isolation_refused)
bpftool map create $BPFFS/aj_pb type prog_array key 4 value 4 entries 4 name aj_pb >/dev/null 2>&1
case $(uname -r) in
[1-5].* | 6.[0-9].*)
	check "legacy program goes into an empty prog array" put aj_pa 0 aj_legacy
	check "a stock program is refused in the legacy prog array" sh -c "! bpftool map update pinned $BPFFS/aj_pa key 1 0 0 0 value pinned $BPFFS/aj_stock 2>/dev/null"
	check "an optimized program is refused in the legacy prog array" sh -c "! bpftool map update pinned $BPFFS/aj_pa key 2 0 0 0 value pinned $BPFFS/aj_opt 2>/dev/null"
	check_eq "isolation_refused counted both" "$(($(aj_stat isolation_refused) - r0))" 2
	check "the refusal is explained in dmesg" sh -c "dmesg | grep -q 'refusing prog array update: program xdp1 has a stock/optimized frame'"
	check "stock and optimized programs share a prog array" sh -c "bpftool map update pinned $BPFFS/aj_pb key 0 0 0 0 value pinned $BPFFS/aj_stock && bpftool map update pinned $BPFFS/aj_pb key 1 0 0 0 value pinned $BPFFS/aj_opt"
	check "a legacy program is refused there" sh -c "! bpftool map update pinned $BPFFS/aj_pb key 2 0 0 0 value pinned $BPFFS/aj_legacy 2>/dev/null"
	;;
*)
	# 6.10+: legacy's tail calls and entries take the stock ABI (module/frame_legacy.c): one array may
	# hold programs of every scheme (the chains run in altjit_stress and test_progs' tailcalls).
	check "legacy program goes into an empty prog array" put aj_pa 0 aj_legacy
	check "6.10+: a stock and an optimized program go into the legacy program's prog array" \
		sh -c "bpftool map update pinned $BPFFS/aj_pa key 1 0 0 0 value pinned $BPFFS/aj_stock && bpftool map update pinned $BPFFS/aj_pa key 2 0 0 0 value pinned $BPFFS/aj_opt"
	check "6.10+: a legacy program goes into a prog array of stock and optimized programs" \
		sh -c "bpftool map update pinned $BPFFS/aj_pb key 0 0 0 0 value pinned $BPFFS/aj_stock && bpftool map update pinned $BPFFS/aj_pb key 1 0 0 0 value pinned $BPFFS/aj_opt && bpftool map update pinned $BPFFS/aj_pb key 2 0 0 0 value pinned $BPFFS/aj_legacy"
	check_eq "6.10+: isolation refused nothing" "$(($(aj_stat isolation_refused) - r0))" 0
	;;
esac

rm -f $BPFFS/aj_legacy $BPFFS/aj_stock $BPFFS/aj_opt $BPFFS/aj_pa $BPFFS/aj_pb
check "rmmod succeeds once the legacy images are freed" aj_rmmod
