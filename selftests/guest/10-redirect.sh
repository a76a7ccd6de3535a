# shellcheck shell=sh
# The bpf_int_jit_compile redirect (issue 2): test_bpf passes the same with altjit loaded in stock
# mode, every JIT'ed program went through altjit, and after rmmod the kernel is as before.

run_test_bpf
check "test_bpf without altjit: a summary was printed" [ "$TB_RUN" = 1 ]
check_eq "test_bpf without altjit: no failures" "$TB_FAIL" 0
diag "baseline: $TB_SUMMARY"
BASE_PASS=$TB_PASS BASE_JIT=$TB_JIT
echo "$TB_PASS $TB_JIT" >/tmp/test_bpf.baseline

if ! insmod $AJ_KO mode=stock; then
	not_ok "insmod altjit.ko mode=stock"
	dmesg | tail -5 | sed 's/^/# /'
	return 0
fi
ok "insmod altjit.ko mode=stock"
check "redirect is live (enabled_functions lists bpf_int_jit_compile)" \
	grep -q '^bpf_int_jit_compile' /sys/kernel/tracing/enabled_functions

req0=$(aj_stat requests) sj0=$(aj_stat stock_jited) snj0=$(aj_stat stock_not_jited)
run_test_bpf
diag "with altjit (stock): $TB_SUMMARY"
check_eq "test_bpf with altjit (stock): same pass count" "$TB_PASS" "$BASE_PASS"
check_eq "test_bpf with altjit (stock): no failures" "$TB_FAIL" 0
check_eq "test_bpf with altjit (stock): same JIT'ed count" "$TB_JIT" "$BASE_JIT"
req=$(($(aj_stat requests) - req0)) sj=$(($(aj_stat stock_jited) - sj0)) snj=$(($(aj_stat stock_not_jited) - snj0))
diag "altjit counters: requests +$req, stock_jited +$sj, stock_not_jited +$snj"
check_eq "every JIT'ed program went through the redirect (stock_jited == JIT'ed)" "$sj" "$TB_JIT"
check_eq "every request ended in one outcome" "$req" "$((sj + snj))"
check_eq "stock mode hands every request back (handed_back_mode == requests)" \
	"$(aj_stat handed_back_mode)" "$(aj_stat requests)"

check "rmmod altjit" rmmod altjit
check "rmmod removes /sys/kernel/altjit" [ ! -e $AJ_SYS ]
check "rmmod removes the redirect" sh -c '! grep -q "^bpf_int_jit_compile" /sys/kernel/tracing/enabled_functions'
run_test_bpf $(tb_short_params)
diag "after rmmod: $TB_SUMMARY"
check "test_bpf after rmmod: ran" [ "$TB_RUN" = 1 ]
check_eq "test_bpf after rmmod: no failures" "$TB_FAIL" 0
