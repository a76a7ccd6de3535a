#!/bin/sh
# run.sh [TEST...]: run the guest tests (default: every NN-*.sh here, in order) as one TAP stream.
cd "$(dirname "$0")" || exit 1
echo "TAP version 13"
. ./lib.sh
[ $# -gt 0 ] || set -- [0-9][0-9]-*.sh
for t in "$@"; do
	diag "=== $t ($(uname -r))"
	if ! (set -e; . ./"$t"); then
		not_ok "$t ran to its end"
	fi
done
n=$(cat $TAP_COUNT_FILE)
echo "1..$n"
# The kernel must not have complained about anything on the way.
if dmesg | grep -E -q 'WARNING: CPU|BUG:|Oops|general protection|lockdep|Call Trace'; then
	diag "dmesg shows a kernel warning or oops:"
	dmesg | grep -E -B2 -A20 'WARNING: CPU|BUG:|Oops|general protection|lockdep|Call Trace' | sed 's/^/# /' | head -60
	exit 1
fi
