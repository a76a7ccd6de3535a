# shellcheck shell=sh
# Unload under load (issue 4.3): rmmod while altjit-compiled programs are loaded and running
# (XDP on a veth pair, BPF_PROG_TEST_RUN loops); the programs keep running, give the same
# results and are freed correctly later; then load/unload cycles under that load. Legacy images
# pin the module (35-lifetime.sh): rmmod is refused while one exists.

STRESS=/altjit/prog/altjit_stress
XDP=/altjit/bench/progs/xdp1.bpf.o
BPFFS=/sys/fs/bpf
if [ ! -x $STRESS ] || [ ! -r $XDP ]; then
	not_ok "altjit_stress and xdp1.bpf.o are in the guest"
	return 0
fi
CYCLES=${AJ_UNLOAD_CYCLES:-$(aj_full 100 40)}

# xdp_packets: the packets xdp1 counted so far (sum over its per-protocol, per-CPU counters).
xdp_packets() {
	bpftool map dump pinned $BPFFS/u_maps/rxcnt 2>/dev/null |
		awk '/"value"|value:/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i } END { print s + 0 }'
}

check "insmod altjit.ko mode=optimized" insmod $AJ_KO mode=optimized
insmod /altjit/veth.ko 2>/dev/null || true
# busybox ip ignores "peer name": the kernel names the peer; rename it.
veth_pair() {
	ip link add u_a type veth || return 1
	peer=$(ip link show u_a | sed -n 's/^[0-9]*: u_a@\([^:]*\):.*/\1/p')
	[ -n "$peer" ] && ip link set "$peer" name u_b && ip link set u_a up && ip link set u_b up
}
check "veth pair u_a/u_b up" veth_pair
check "load xdp1 (optimized)" bpftool prog load $XDP $BPFFS/u_xdp type xdp pinmaps $BPFFS/u_maps
j=$(aj_stat optimized_jited)
check "xdp1 was compiled by altjit" [ "${j:-0}" -ge 1 ]
check "attach xdp1 to u_b (generic XDP)" bpftool net attach xdpgeneric pinned $BPFFS/u_xdp dev u_b
check "load a test-run program (optimized)" bpftool prog load /altjit/bench/progs/calls.bpf.o $BPFFS/u_calls

# The load: frames into u_a arrive at u_b's XDP program; test runs of u_calls in a loop. Both run
# until the cycles below are over (SIGTERM ends them cleanly); the time limit is only a backstop.
secs=$((CYCLES * 60 + 600))
$STRESS send u_a $secs >/tmp/u_send.log 2>&1 &
send_pid=$!
$STRESS run $BPFFS/u_calls $secs >/tmp/u_run.log 2>&1 &
run_pid=$!
sleep 2
p0=$(xdp_packets)
check "XDP program counts packets ($p0)" [ "$p0" -gt 0 ]

check "rmmod altjit while its programs run" rmmod altjit
check "altjit is gone" [ ! -e $AJ_SYS ]
sleep 2
p1=$(xdp_packets)
check "the XDP program keeps running after rmmod ($p0 -> $p1)" [ "$p1" -gt "$p0" ]

# Load/unload cycles under that load, a program compiled and freed in each.
bad=0 i=0
while [ $i -lt $CYCLES ]; do
	i=$((i + 1))
	if ! insmod $AJ_KO mode=optimized; then bad=$((bad + 1)); diag "cycle $i: insmod failed"; break; fi
	if ! bpftool prog load $XDP $BPFFS/u_cyc type xdp >/dev/null 2>&1; then
		bad=$((bad + 1)); diag "cycle $i: load failed"
	fi
	# The counters start at 0 with each insmod: every request of the cycle (xdp1, and whatever
	# bpftool probes with) compiled by altjit's optimized frame, none handed to the stock JIT.
	jc=$(aj_stat optimized_jited) rq=$(aj_stat requests)
	if [ "${jc:-0}" -lt 1 ] || [ "$jc" != "$rq" ]; then
		bad=$((bad + 1)); diag "cycle $i: optimized_jited $jc of $rq requests"
	fi
	rm -f $BPFFS/u_cyc
	if ! rmmod altjit; then bad=$((bad + 1)); diag "cycle $i: rmmod failed"; break; fi
done
check_eq "$CYCLES insmod/load/rmmod cycles under load, each program compiled by altjit" "$i:$bad" "$CYCLES:0"

check "the test-run loop ran until the cycles ended" kill -0 $run_pid
check "the packet sender ran until the cycles ended" kill -0 $send_pid
kill -TERM $run_pid $send_pid 2>/dev/null || true
if wait $run_pid; then rc=0; else rc=$?; fi
diag "test-run loop: $(cat /tmp/u_run.log)"
check_eq "test runs kept returning the same result through all of it" "$rc" 0
wait $send_pid || true
diag "sender: $(cat /tmp/u_send.log)"
p2=$(xdp_packets)
check "the XDP program still runs at the end ($p1 -> $p2)" [ "$p2" -gt "$p1" ]

bpftool net detach xdpgeneric dev u_b 2>/dev/null || true
rm -rf $BPFFS/u_xdp $BPFFS/u_calls $BPFFS/u_maps
ip link del u_a 2>/dev/null || true
check "altjit-compiled programs freed after rmmod: insmod and rmmod still clean" \
	sh -c "insmod $AJ_KO && rmmod altjit"
