#!/bin/sh
# run.sh [TEST...]: run the guest tests (default: every NN-*.sh here, in order) as one TAP stream.
cd "$(dirname "$0")" || exit 1
echo "TAP version 13"
. ./lib.sh
[ $# -gt 0 ] || set -- [0-9][0-9]-*.sh
for t in "$@"; do
	diag "=== $t ($(uname -r))"
	t0=$(date +%s)
	# Not inside "if": there the shell would ignore set -e, and a failing command in the middle
	# of a test would neither stop nor fail it.
	(set -e; . ./"$t")
	rc=$?
	[ $rc = 0 ] || not_ok "$t ran to its end (a command failed: exit $rc)"
	diag "--- $t: $(($(date +%s) - t0)) s"
done
# The kernel must not have complained about anything on the way.
splat=0
if dmesg | grep -E -q "$AJ_SPLAT_RE"; then
	not_ok "no kernel warning or oops in dmesg at the end"
	dmesg | grep -E -B2 -A20 "$AJ_SPLAT_RE" | sed 's/^/# /' | head -60
	splat=1
fi
n=$(cat $TAP_COUNT_FILE)
echo "1..$n"
exit $splat
