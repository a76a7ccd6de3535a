# shellcheck shell=sh
# altjit's own code generator (issue 3): the kernel's test_bpf passes under each of altjit's
# schemes, with every program compiled by altjit (none handed back to the stock JIT).

if [ -r /tmp/test_bpf.baseline ]; then
	read -r BASE_PASS BASE_JIT </tmp/test_bpf.baseline
else
	run_test_bpf
	BASE_PASS=$TB_PASS BASE_JIT=$TB_JIT
fi

for s in ${AJ_SCHEMES:-legacy optimized}; do
	if ! insmod $AJ_KO mode=$s ${AJ_INSMOD_ARGS:-}; then
		not_ok "insmod altjit.ko mode=$s"
		continue
	fi
	ok "insmod altjit.ko mode=$s"
	j0=$(aj_stat ${s}_jited) u0=$(aj_stat handed_back_unsupported) e0=$(aj_stat handed_back_error)
	dmesg_clear
	run_test_bpf
	diag "$s: $TB_SUMMARY"
	# Zero tests run (test_bpf refused to load, printed no summary) would equal a broken baseline.
	check "test_bpf ($s): ran, printed its summaries, passed tests ($TB_PASS)" \
		[ "$TB_RUN" = 1 -a "$TB_PASS" -gt 0 -a "${BASE_PASS:-0}" -gt 0 ]
	check_eq "test_bpf ($s): same pass count as stock" "$TB_PASS" "$BASE_PASS"
	check_eq "test_bpf ($s): no failures" "$TB_FAIL" 0
	# Never worse than stock: altjit may JIT what the stock JIT gives up on (5.10: one test).
	check "test_bpf ($s): JIT'ed at least as many as stock ($TB_JIT >= $BASE_JIT)" \
		[ "$TB_JIT" -ge "$BASE_JIT" ]
	check_eq "test_bpf ($s): every JIT'ed program compiled by altjit" \
		"$(($(aj_stat ${s}_jited) - j0))" "$TB_JIT"
	check_eq "test_bpf ($s): none handed back as unsupported" \
		"$(($(aj_stat handed_back_unsupported) - u0))" 0
	check_eq "test_bpf ($s): none handed back on error" "$(($(aj_stat handed_back_error) - e0))" 0
	grep -e ' FAIL' -e 'altjit' /tmp/test_bpf.log | head -10 | sed 's/^/# /'
	check "rmmod altjit ($s) once its images are freed" aj_rmmod
done
