# shellcheck shell=sh
# /sys/kernel/altjit/mode and the mode= parameter (issue 2): bad values are refused and change
# nothing, good ones round-trip, only root writes.

# Schemes this build compiles with; the others must be refused with a clear error.
AVAILABLE="stock legacy optimized"

mode() { cat $AJ_SYS/mode; }
# try_write VALUE: write VALUE (printf %s, so no newline unless given) as one write(2).
try_write() { printf '%s' "$1" >$AJ_SYS/mode 2>/dev/null; }

check "insmod altjit.ko mode=bogus fails" sh -c "! insmod $AJ_KO mode=bogus 2>/dev/null"
check "a failed insmod leaves no /sys/kernel/altjit" [ ! -e $AJ_SYS ]
check "insmod altjit.ko (default mode)" insmod $AJ_KO
check_eq "default mode is stock" "$(mode)" "[stock] legacy optimized"
check_eq "mode file is root-writable only" "$(stat -c %a $AJ_SYS/mode)" 644

for v in bogus STOCK "stock extra" "stockx" " stock" "legacy;" "$(printf 'stock\nlegacy')" \
	"$(head -c 300 /dev/zero | tr '\0' s)"; do
	before=$(mode)
	if try_write "$v"; then not_ok "write '$v' is refused"; else ok "write '$v' is refused"; fi
	check_eq "write '$v' changes nothing" "$(mode)" "$before"
done
# Random bytes, 20 writes of 1..200 bytes each (never a scheme's name by chance).
i=0 bad=0
while [ $i -lt 20 ]; do
	i=$((i + 1))
	head -c $((i * 10)) /dev/urandom >/tmp/rnd
	before=$(mode)
	if dd if=/tmp/rnd of=$AJ_SYS/mode bs=4096 2>/dev/null; then bad=$((bad + 1)); fi
	[ "$(mode)" = "$before" ] || bad=$((bad + 1))
done
check_eq "20 writes of random bytes are refused and change nothing" "$bad" 0
before=$(mode)
if dd if=/tmp/rnd of=$AJ_SYS/stats bs=4096 2>/dev/null; then not_ok "random bytes to stats are refused"; else ok "random bytes to stats are refused"; fi
check_eq "mode unchanged after writes to stats" "$(mode)" "$before"
printf '' >$AJ_SYS/mode 2>/dev/null
check_eq "empty write changes nothing" "$(mode)" "[stock] legacy optimized"

for s in stock legacy optimized; do
	want=$(echo "stock legacy optimized" | sed "s/\b$s\b/[$s]/")
	case " $AVAILABLE " in
	*" $s "*)
		check "write '$s' succeeds" try_write "$s"
		check_eq "mode reads back [$s]" "$(mode)" "$want"
		check "write '$s\\n' (echo) succeeds" sh -c "echo $s >$AJ_SYS/mode"
		check_eq "mode reads back [$s] after echo" "$(mode)" "$want"
		;;
	*)
		before=$(mode)
		dmesg_clear
		if try_write "$s"; then not_ok "unavailable scheme '$s' is refused"; else ok "unavailable scheme '$s' is refused"; fi
		check_eq "refused '$s' changes nothing" "$(mode)" "$before"
		check "refusing '$s' says why in dmesg" sh -c "dmesg | grep -q 'mode $s is not available'"
		;;
	esac
done

echo stock >$AJ_SYS/mode
check_eq "as_nobody runs commands as uid 65534" "$(as_nobody 'id -u')" 65534
check "non-root write is refused" sh -c \
	"! su -s /bin/sh nobody -c 'echo stock >$AJ_SYS/mode' 2>/dev/null"
chmod 666 $AJ_SYS/mode
check "non-root write is refused even when the file is made writable (-EPERM)" sh -c \
	"! su -s /bin/sh nobody -c 'printf bogus >$AJ_SYS/mode || printf stock >$AJ_SYS/mode' 2>/dev/null"
chmod 644 $AJ_SYS/mode
check_eq "mode unchanged after non-root writes" "$(mode)" "[stock] legacy optimized"
check "stats is read-only" sh -c "! echo 0 >$AJ_SYS/stats 2>/dev/null"
check "stats lists the requests counter" sh -c "grep -q '^requests [0-9][0-9]*$' $AJ_SYS/stats"
check "rmmod altjit" rmmod altjit
