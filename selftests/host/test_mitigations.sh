#!/usr/bin/env bash
# test_mitigations.sh KERNEL-SOURCE : the mitigation inventory. Every CPU feature, kernel option and
# mitigation helper that this kernel's own x86 JIT (arch/x86/net/bpf_jit_comp.c) consults must be
# in altjit's inventory (module/mitigations.h) with how altjit meets it, and what altjit says it
# emits must be looked at in its code. One TAP point per name; scripts/check runs it for every
# fetched kernel. A Debian point release that teaches the JIT a new mitigation turns it red.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top="$here/../.."
src=${1:?usage: test_mitigations.sh KERNEL-SOURCE}
jit="$src/arch/x86/net/bpf_jit_comp.c"
tab="$top/module/mitigations.h"
n=0 bad=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - $1"; }

echo "TAP version 13"
[ -r "$jit" ] || { notok "the kernel's JIT is at $jit"; echo "1..$n"; exit 1; }
# What the kernel's JIT consults: features, options, and the mitigation helpers it calls.
mapfile -t consulted < <(grep -o -E 'X86_FEATURE_[A-Z0-9_]+|CONFIG_[A-Z0-9_]+|cpu_wants_rethunk|emit_spectre_bhb_barrier|its_static_thunk|x86_call_depth_emit_accounting|__x86_indirect_[a-z_]+_array' "$jit" | sort -u)
[ "${#consulted[@]}" -gt 0 ] || notok "found what $jit consults (nothing matched: the grep is broken)"
declare -A how
while read -r name kind; do how[$name]=$kind; done < <(sed -n -E 's/^[[:space:]]*X\(([A-Za-z0-9_]+), (EMIT|STOCK|SAME), .*/\1 \2/p' "$tab")
[ "${#how[@]}" -gt 0 ] || notok "read altjit's inventory from $tab"
for name in "${consulted[@]}"; do
	kind=${how[$name]:-}
	if [ -z "$kind" ]; then
		notok "$name: the kernel's JIT consults it, altjit's inventory does not say how it is met (module/mitigations.h)"
		grep -n -w "$name" "$jit" | head -3 | sed 's/^/#   /'
		continue
	fi
	# A feature altjit claims to emit for must be looked at in its code (XMM2: its lfence for
	# BPF_NOSPEC is unconditional; every x86-64 CPU has SSE2). A STOCK one must be a hand-back.
	case $kind:$name in
	EMIT:X86_FEATURE_XMM2) ;;
	EMIT:X86_FEATURE_* | STOCK:*)
		if ! grep -q -w "$name" "$top"/module/*.c "$top"/module/compat.h; then
			notok "$name: inventory says $kind, but no code of altjit's looks at it"
			continue
		fi ;;
	esac
	ok "$name: $kind"
done
echo "# $src: ${#consulted[@]} names consulted by the kernel's JIT, ${#how[@]} in altjit's inventory"
echo "1..$n"
[ "$bad" = 0 ]
