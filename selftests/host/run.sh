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
	for t in test_x86 test_exec; do
		args=()
		[ "$t" = test_exec ] && args=("$@")
		"$here/$t" "${args[@]}" >"$log" 2>&1
		rc=$?
		# renumber into one stream; each program's own plan is dropped
		while IFS= read -r line; do
			case $line in
			"not ok "*) emit NOTOK "$t: ${line#not ok * - }" ;;
			"ok "*"# SKIP"*) emit SKIP "$t: ${line#ok * - }" ;;
			"ok "*) emit OK "$t: ${line#ok * - }" ;;
			1..*) ;;
			*) echo "# ${line#\# }" ;;
			esac
		done <"$log"
		case $rc in
		0 | 1) ;;
		*) emit NOTOK "$t ran to its end (exit $rc)" ;;
		esac
	done
fi
echo "1..$n"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
