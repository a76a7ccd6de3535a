#!/usr/bin/env bash
# run.sh: build and run the code-generator tests that need no VM (test_x86, test_exec); one TAP
# stream on stdout, ending with "N passed, N failed, N skipped". `make check-host` runs this, and
# scripts/check runs it first. Extra arguments go to test_exec (-n SEEDS, -s FIRST_SEED, -v).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/lib.sh"

ensure_host_packages $HOST_PACKAGES_HOSTTEST

n=0 passed=0 failed=0 skipped=0
emit() { # emit OK|NOTOK|SKIP TEXT
	n=$((n + 1))
	case $1 in
	OK) passed=$((passed + 1)); echo "ok $n - $2" ;;
	SKIP) skipped=$((skipped + 1)); echo "ok $n - $2" ;;
	*) failed=$((failed + 1)); echo "not ok $n - $2" ;;
	esac
}

echo "TAP version 13"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! make -s -C "$here" all >"$log" 2>&1; then
	emit NOTOK "build selftests/host with -Wall -Wextra -Werror"
	sed 's/^/# /' "$log" | tail -30
else
	for t in test_x86 test_exec test_mitig test_frame test_fetch.sh; do
		args=()
		[ "$t" = test_exec ] && args=("$@")
		"$here/$t" "${args[@]}" >"$log" 2>&1
		rc=$?
		# renumber into one stream; each program's own plan is compared with its points, then dropped
		seen=0 plan=""
		while IFS= read -r line; do
			case $line in
			"not ok "*) seen=$((seen + 1)); emit NOTOK "$t: ${line#not ok * - }" ;;
			"ok "*"# SKIP"*) seen=$((seen + 1)); emit SKIP "$t: ${line#ok * - }" ;;
			"ok "*) seen=$((seen + 1)); emit OK "$t: ${line#ok * - }" ;;
			1..*) plan=${line#1..} ;;
			*) echo "# ${line#\# }" ;;
			esac
		done <"$log"
		case $rc in
		0 | 1) ;;
		*) emit NOTOK "$t ran to its end (exit $rc)" ;;
		esac
		# A program that printed no point, or fewer than it planned, and exited 0 proved nothing.
		if [ "$seen" = 0 ] || [ "$plan" != "$seen" ]; then
			emit NOTOK "$t: its plan matches its points (plan '1..$plan', $seen points, exit $rc)"
		fi
	done
fi

# altjit-bench --native (issue 7): the default benchmark set compiled by the code generator with
# both frames, checked against the reference interpreter and timed on this CPU, at two image
# placements (-p 2: recompiled and checked again at the second). Checked: a timed row for every
# program and scheme, no failure; not the timings themselves.
bench="$here/../../scripts/altjit-bench"
if ! make -s -C "$bench" >"$log" 2>&1; then
	emit NOTOK "build scripts/altjit-bench (with --native)"
	sed 's/^/# /' "$log" | tail -30
else
	"$bench/altjit-bench" --native -n 1000 -k 4 -p 2 >"$log" 2>&1
	rc=$?
	sed -e 's/^# //' -e 's/^/# /' "$log"
	want=(xdp1 tailcall6_r6-r9 tailcall33_empty tailcall6_indirect tailcall6_mixed bpf2bpf_calls)
	[ -e "$bench/progs/bpf_flow.bpf.o" ] && want+=(bpf_flow)
	missing=""
	for p in "${want[@]}"; do
		for s in legacy optimized stock-tc; do
			grep -Eq "^$p +$s +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+\.[0-9]+ +[0-9.]+\.\.[0-9.]+ +[0-9]+\.[0-9]+$" "$log" ||
				missing+=" $p/$s"
		done
	done
	if [ "$rc" = 0 ] && [ -z "$missing" ] && ! grep -Eq 'FAILED|not supported' "$log" &&
		grep -q '^# altjit-bench --native: native (userspace, real CPU; no kernel)' "$log" &&
		grep -q '^# the trials spread over 2 image placements' "$log"; then
		emit OK "altjit-bench --native -n 1000 -k 4 -p 2: a checked, timed row for each of ${#want[@]} programs x legacy, optimized, stock-tc, over 2 placements"
	else
		emit NOTOK "altjit-bench --native -n 1000 -k 4 -p 2: exit $rc, rows missing:${missing:- none}"
	fi
fi
echo "1..$n"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
