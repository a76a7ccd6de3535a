// SPDX-License-Identifier: GPL-2.0
/* The reference interpreter (see interp.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "interp.h"
#include "../fuzz/gen.h"

#define STACK_SIZE	512
#define MAP_TAG		0x4d41505f00000000ULL	/* what a BPF_PSEUDO_MAP_FD load puts in a register */
#define POISON		0xdeadbeefdeadbeefULL	/* registers a call clobbered */

struct frame {
	uint32_t ret_pc;
	uint64_t r6_r10[5];
};

struct vm {
	const struct interp_world *w;
	struct interp_result *res;
	uint64_t r[11];
	/* frame k's stack is stack[k]; a bpf2bpf call pushes a frame */
	uint8_t stack[INTERP_MAX_CALL_DEPTH][STACK_SIZE];
	struct frame frames[INTERP_MAX_CALL_DEPTH];
	uint32_t depth;
};

static int fail(struct vm *vm, uint32_t pc, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(vm->res->err, sizeof(vm->res->err), "insn %u: ", pc);

	va_start(ap, fmt);
	vsnprintf(vm->res->err + n, sizeof(vm->res->err) - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* The host address of [reg + off, +size), or NULL when outside the stack and the ctx. */
static uint8_t *mem(struct vm *vm, uint64_t addr, int16_t off, uint32_t size)
{
	uint64_t a = addr + (uint64_t)(int64_t)off;
	uint64_t s = (uint64_t)(uintptr_t)vm->stack, c = (uint64_t)(uintptr_t)vm->w->ctx;

	uint32_t k;

	if (a + size <= a)
		return NULL;
	if (a >= s && a + size <= s + sizeof(vm->stack))
		return (uint8_t *)(uintptr_t)a;
	if (vm->w->ctx && a >= c && a + size <= c + vm->w->ctx_size)
		return (uint8_t *)(uintptr_t)a;
	for (k = 0; k < vm->w->nr_regions; k++) {
		uint64_t r = (uint64_t)(uintptr_t)vm->w->regions[k].p;

		if (a >= r && a + size <= r + vm->w->regions[k].size)
			return (uint8_t *)(uintptr_t)a;
	}
	return NULL;
}

static uint64_t load(const uint8_t *p, uint32_t size)
{
	uint8_t b; uint16_t h; uint32_t w; uint64_t d;

	switch (size) {
	case 1: memcpy(&b, p, 1); return b;
	case 2: memcpy(&h, p, 2); return h;
	case 4: memcpy(&w, p, 4); return w;
	}
	memcpy(&d, p, 8);
	return d;
}

static void store(uint8_t *p, uint32_t size, uint64_t v)
{
	uint8_t b = (uint8_t)v; uint16_t h = (uint16_t)v; uint32_t w = (uint32_t)v;

	switch (size) {
	case 1: memcpy(p, &b, 1); return;
	case 2: memcpy(p, &h, 2); return;
	case 4: memcpy(p, &w, 4); return;
	}
	memcpy(p, &v, 8);
}

static uint32_t size_of(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B: return 1;
	case BPF_H: return 2;
	case BPF_W: return 4;
	}
	return 8;
}

static uint64_t sext(uint64_t v, unsigned bits)
{
	return (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits));
}

static uint64_t bswap(uint64_t v, unsigned bits)
{
	uint64_t r = 0;
	unsigned i;

	for (i = 0; i < bits / 8; i++)
		r = (r << 8) | ((v >> (8 * i)) & 0xff);
	return r;
}

/* One ALU operation; returns -1 for an invalid encoding. */
static int alu(const struct bpf_insn *in, uint64_t *dstp, uint64_t srcv)
{
	bool is64 = BPF_CLASS(in->code) == BPF_ALU64;
	uint64_t d = *dstp, s = srcv;
	uint8_t op = BPF_OP(in->code);

	if (!is64) {
		d = (uint32_t)d;
		s = (uint32_t)s;
	}
	switch (op) {
	case BPF_ADD: d += s; break;
	case BPF_SUB: d -= s; break;
	case BPF_MUL: d *= s; break;
	case BPF_OR: d |= s; break;
	case BPF_AND: d &= s; break;
	case BPF_XOR: d ^= s; break;
	case BPF_LSH: d <<= s & (is64 ? 63 : 31); break;
	case BPF_RSH: d >>= s & (is64 ? 63 : 31); break;
	case BPF_ARSH:
		if (is64)
			d = (uint64_t)((int64_t)d >> (s & 63));
		else
			d = (uint32_t)((int32_t)(uint32_t)d >> (s & 31));
		break;
	case BPF_NEG: d = -d; break;
	case BPF_MOV:
		if (BPF_SRC(in->code) == BPF_X && in->off) {
			if (in->off != 8 && in->off != 16 && !(in->off == 32 && is64))
				return -1;
			d = sext(srcv, in->off);
		} else {
			d = s;
		}
		break;
	case BPF_DIV:
	case BPF_MOD: {
		bool mod = op == BPF_MOD;

		if (in->off > 1)
			return -1;
		if (s == 0) {
			d = mod ? d : 0;		/* x / 0 = 0, x % 0 = x */
		} else if (!in->off) {
			d = mod ? d % s : d / s;
		} else if (is64) {
			int64_t a = (int64_t)d, b = (int64_t)s;

			if (b == -1)			/* INT64_MIN / -1 wraps, % -1 is 0 */
				d = mod ? 0 : -(uint64_t)a;
			else
				d = (uint64_t)(mod ? a % b : a / b);
		} else {
			int32_t a = (int32_t)(uint32_t)d, b = (int32_t)(uint32_t)s;

			if (b == -1)
				d = mod ? 0 : -(uint64_t)(uint32_t)a;
			else
				d = (uint32_t)(mod ? a % b : a / b);
		}
		break;
	}
	case BPF_END:
		if (in->imm != 16 && in->imm != 32 && in->imm != 64)
			return -1;
		d = *dstp;
		if (is64 || BPF_SRC(in->code) == BPF_TO_BE)	/* x86 is little endian */
			d = bswap(d, in->imm);
		else if (in->imm < 64)
			d &= (1ULL << in->imm) - 1;
		*dstp = d;
		return 0;
	default:
		return -1;
	}
	*dstp = is64 ? d : (uint32_t)d;
	return 0;
}

static bool jump_taken(const struct bpf_insn *in, uint64_t a, uint64_t b)
{
	bool is64 = BPF_CLASS(in->code) == BPF_JMP;
	int64_t sa, sb;

	if (!is64) {	/* JMP32: the low halves, signed or unsigned */
		a = (uint32_t)a;
		b = (uint32_t)b;
	}
	sa = is64 ? (int64_t)a : (int32_t)(uint32_t)a;
	sb = is64 ? (int64_t)b : (int32_t)(uint32_t)b;

	switch (BPF_OP(in->code)) {
	case BPF_JEQ: return a == b;
	case BPF_JNE: return a != b;
	case BPF_JGT: return a > b;
	case BPF_JGE: return a >= b;
	case BPF_JLT: return a < b;
	case BPF_JLE: return a <= b;
	case BPF_JSET: return (a & b) != 0;
	case BPF_JSGT: return sa > sb;
	case BPF_JSGE: return sa >= sb;
	case BPF_JSLT: return sa < sb;
	case BPF_JSLE: return sa <= sb;
	}
	return false;
}

#ifndef BPF_LOAD_ACQ
#define BPF_LOAD_ACQ	0x100
#define BPF_STORE_REL	0x110
#endif

static int atomic(struct vm *vm, const struct bpf_insn *in, uint32_t pc)
{
	uint32_t size = size_of(in->code);
	uint8_t *p = mem(vm, vm->r[in->dst_reg], in->off, size);
	uint64_t old, src = vm->r[in->src_reg], v;
	uint64_t mask = size == 8 ? ~0ULL : 0xffffffffULL;

	/* 6.15+: load-acquire (dst = *(src + off)) and store-release (*(dst + off) = src), any size */
	if (in->imm == BPF_LOAD_ACQ) {
		p = mem(vm, vm->r[in->src_reg], in->off, size);
		if (!p)
			return fail(vm, pc, "load-acquire out of bounds (r%d%+d)", in->src_reg, in->off);
		vm->r[in->dst_reg] = load(p, size);
		return 0;
	}
	if (in->imm == BPF_STORE_REL) {
		if (!p)
			return fail(vm, pc, "store-release out of bounds (r%d%+d)", in->dst_reg, in->off);
		store(p, size, src);
		return 0;
	}
	if (size < 4)
		return fail(vm, pc, "atomic of size %u", size);
	if (!p || ((uintptr_t)p & (size - 1)))
		return fail(vm, pc, "atomic out of bounds or misaligned (r%d%+d)", in->dst_reg, in->off);
	old = load(p, size);
	switch (in->imm & ~BPF_FETCH) {
	case BPF_ADD: v = old + src; break;
	case BPF_AND: v = old & src; break;
	case BPF_OR: v = old | src; break;
	case BPF_XOR: v = old ^ src; break;
	default:
		if (in->imm == BPF_XCHG) {
			v = src;
			break;
		}
		if (in->imm == BPF_CMPXCHG) {
			if ((vm->r[0] & mask) == old)
				store(p, size, src);
			vm->r[0] = old;
			return 0;
		}
		return fail(vm, pc, "atomic op 0x%x", in->imm);
	}
	store(p, size, v & mask);
	if (in->imm & BPF_FETCH)
		vm->r[in->src_reg] = old;
	return 0;
}

int interp_run(const struct interp_world *w, const struct interp_prog *entry, struct interp_result *res)
{
	static struct vm vmbuf;	/* the stack is big-ish; one run at a time */
	struct vm *vm = &vmbuf;
	const struct interp_prog *prog = entry;
	uint64_t max_steps = w->max_steps ? w->max_steps : 10000000;
	uint32_t pc = 0;
	int i;

	memset(res, 0, sizeof(*res));
	memset(vm, 0, sizeof(*vm));
	vm->w = w;
	vm->res = res;
	for (i = 0; i < 11; i++)
		vm->r[i] = POISON;
	vm->r[1] = (uint64_t)(uintptr_t)w->ctx;

restart:
	memset(vm->stack, 0xa5, sizeof(vm->stack));
	vm->depth = 0;
	vm->r[10] = (uint64_t)(uintptr_t)(vm->stack[0] + STACK_SIZE);
	pc = 0;
	for (;;) {
		const struct bpf_insn *in;
		uint8_t cls;
		uint64_t srcv;

		if (pc >= prog->len)
			return fail(vm, pc, "fell off the end");
		if (++res->steps > max_steps)
			return fail(vm, pc, "more than %llu steps", (unsigned long long)max_steps);
		in = &prog->insns[pc];
		cls = BPF_CLASS(in->code);
		if (in->dst_reg > 10 || in->src_reg > 10)
			return fail(vm, pc, "bad register");
		srcv = BPF_SRC(in->code) == BPF_X ? vm->r[in->src_reg] : (uint64_t)(int64_t)in->imm;

		switch (cls) {
		case BPF_ALU:
		case BPF_ALU64:
			if (in->dst_reg == 10)
				return fail(vm, pc, "write to r10");
			if (alu(in, &vm->r[in->dst_reg], srcv))
				return fail(vm, pc, "bad ALU instruction 0x%02x", in->code);
			pc++;
			break;

		case BPF_JMP:
		case BPF_JMP32: {
			uint8_t op = BPF_OP(in->code);

			if (op == BPF_EXIT) {
				if (vm->depth) {
					struct frame *f = &vm->frames[--vm->depth];

					memcpy(&vm->r[6], f->r6_r10, sizeof(f->r6_r10));
					for (i = 1; i <= 5; i++)
						vm->r[i] = POISON;
					pc = f->ret_pc;
					break;
				}
				res->r0 = vm->r[0];
				return 0;
			}
			if (op == BPF_JA) {
				pc += 1 + (cls == BPF_JMP32 ? in->imm : in->off);
				break;
			}
			if (op == BPF_CALL) {
				uint64_t (*fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

				if (in->src_reg == BPF_PSEUDO_CALL && w->pseudo_calls) {
					struct frame *f;

					if (vm->depth + 1 >= INTERP_MAX_CALL_DEPTH)
						return fail(vm, pc, "calls nested too deep");
					f = &vm->frames[vm->depth++];
					f->ret_pc = pc + 1;
					memcpy(f->r6_r10, &vm->r[6], sizeof(f->r6_r10));
					vm->r[10] = (uint64_t)(uintptr_t)(vm->stack[vm->depth] + STACK_SIZE);
					pc += 1 + in->imm;
					break;
				}
				if (in->src_reg)
					return fail(vm, pc, "bpf2bpf calls are not modelled");
				if (in->imm == AJF_FUNC_TAIL_CALL) {
					uint32_t idx = (uint32_t)vm->r[3];
					const struct interp_prog *t;
					bool after = prog->direct && prog->direct[pc] ?
						     w->count_after_null_direct : w->count_after_null;

					if (vm->r[2] != (MAP_TAG | (uint32_t)w->map_fd))
						return fail(vm, pc, "tail call without the prog array in r2");
					for (i = 0; i <= 5; i++)
						if (i != 1)
							vm->r[i] = POISON;
					pc++;
					if (idx >= w->max_entries)
						break;
					t = w->slots[idx].insns ? &w->slots[idx] : NULL;
					if (res->tail_calls >= w->max_tail_calls)
						break;
					if (!after)
						res->tail_calls++;
					if (!t)
						break;
					if (after)
						res->tail_calls++;
					prog = t;
					for (i = 0; i <= 9; i++)
						if (i != 1)
							vm->r[i] = POISON;
					goto restart;
				}
				if (in->imm < 0 || (uint32_t)in->imm >= w->nr_helpers || !(fn = w->helpers[in->imm]))
					return fail(vm, pc, "unknown helper %d", in->imm);
				vm->r[0] = fn(vm->r[1], vm->r[2], vm->r[3], vm->r[4], vm->r[5]);
				for (i = 1; i <= 5; i++)
					vm->r[i] = POISON;
				pc++;
				break;
			}
			if (BPF_SRC(in->code) == BPF_K)
				srcv = (uint64_t)(int64_t)in->imm;
			if (jump_taken(in, vm->r[in->dst_reg], srcv))
				pc += 1 + in->off;
			else
				pc++;
			break;
		}

		case BPF_LD:
			if (in->code != (BPF_LD | BPF_DW | BPF_IMM) || pc + 1 >= prog->len)
				return fail(vm, pc, "bad LD instruction 0x%02x", in->code);
			if (in->src_reg == BPF_PSEUDO_MAP_FD)
				vm->r[in->dst_reg] = MAP_TAG | (uint32_t)in->imm;
			else if (in->src_reg)
				return fail(vm, pc, "LD_IMM64 with src %d", in->src_reg);
			else
				vm->r[in->dst_reg] = (uint64_t)(uint32_t)in->imm |
						     ((uint64_t)(uint32_t)in[1].imm << 32);
			pc += 2;
			break;

		case BPF_LDX: {
			uint32_t size = size_of(in->code);
			uint8_t *p = mem(vm, vm->r[in->src_reg], in->off, size);
			uint64_t v;

			if (!p)
				return fail(vm, pc, "load out of bounds (r%d%+d)", in->src_reg, in->off);
			v = load(p, size);
			if (BPF_MODE(in->code) == BPF_MEMSX)
				v = sext(v, size * 8);
			else if (BPF_MODE(in->code) != BPF_MEM)
				return fail(vm, pc, "bad LDX mode");
			vm->r[in->dst_reg] = v;
			pc++;
			break;
		}

		case BPF_ST:
		case BPF_STX: {
			uint32_t size = size_of(in->code);
			uint8_t *p;

			if (cls == BPF_STX && BPF_MODE(in->code) == BPF_ATOMIC) {
				if (atomic(vm, in, pc))
					return -1;
				pc++;
				break;
			}
			if (BPF_MODE(in->code) != BPF_MEM)
				return fail(vm, pc, "bad store mode");
			p = mem(vm, vm->r[in->dst_reg], in->off, size);
			if (!p)
				return fail(vm, pc, "store out of bounds (r%d%+d)", in->dst_reg, in->off);
			store(p, size, cls == BPF_ST ? (uint64_t)(int64_t)in->imm : vm->r[in->src_reg]);
			pc++;
			break;
		}

		default:
			return fail(vm, pc, "bad class %d", cls);
		}
	}
}
