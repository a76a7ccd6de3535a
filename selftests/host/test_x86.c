// SPDX-License-Identifier: GPL-2.0
/*
 * Encoder tests: every instruction form module/x86.h emits, and what aj_emit_insn() emits for
 * every BPF ALU/JMP/LDX/ST/STX/atomic instruction, disassembled with capstone and compared with
 * the intended instruction text, over all registers and the encoding edges (disp8/disp32,
 * rsp/r12 SIB, rbp/r13 mod=0, imm8/imm32 sign extension, byte registers needing REX, 32/64 bits).
 * A sizing pass (no image) must count exactly the bytes the writing pass emits.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "env.h"
#include "tap.h"

#define BASE	0x10000ULL	/* where the bytes pretend to be, for jump targets */

static const char *const r64[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
static const char *const r32[16] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
	"r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d" };
static const char *const r16[16] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
	"r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w" };
static const char *const r8n[16] = { "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
	"r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b" };
static const char *const alu_names[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
static const char *const cc_names[16] = { "jo", "jno", "jb", "jae", "je", "jne", "jbe", "ja",
	"js", "jns", "jp", "jnp", "jl", "jge", "jle", "jg" };

static const s32 disps[] = { 0, 1, -1, 8, 127, -128, 128, -129, 0x7fffffff, (s32)0x80000000, 0x1234 };
static const s32 imms[] = { 0, 1, -1, 9, 10, 127, -128, 128, -129, 255, 0x7fff, 0x7fffffff,
	(s32)0x80000000, (s32)0xdeadbeef };
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *reg(int size, int r)
{
	return size == 8 ? r64[r] : size == 4 ? r32[r] : size == 2 ? r16[r] : r8n[r];
}

/* capstone's number style: decimal up to 9, hex above; imm narrower than the operand: signed */
static void num(char *o, size_t n, int64_t v, bool is_signed, int width)
{
	if (is_signed && v < 0) {
		uint64_t m = -(uint64_t)v;

		snprintf(o, n, m > 9 ? "-0x%" PRIx64 : "-%" PRIu64, m);
		return;
	}
	if (width < 8)
		v &= (int64_t)((1ULL << (width * 8)) - 1);
	snprintf(o, n, (uint64_t)v > 9 ? "0x%" PRIx64 : "%" PRIu64, (uint64_t)v);
}

static const char *imm_s(int64_t v, bool is_signed, int width)
{
	static char buf[4][40];
	static int k;
	char *o = buf[k++ & 3];

	num(o, 40, v, is_signed, width);
	return o;
}

/* an ALU immediate of a width-byte operation: capstone shows and/or/xor masks unsigned */
static const char *alu_imm(int op, s32 v, int width)
{
	bool logic = op == X_AND || op == X_OR || op == X_XOR;

	return imm_s(v, !logic && (width == 8 || aj_is_imm8(v)), width);
}

/* "qword ptr [base + 0x10]" (size 0: no size, as for lea) */
static const char *mem_s(int size, int base, s32 off)
{
	static char buf[4][64];
	static int k;
	char *o = buf[k++ & 3];
	const char *sz = size == 8 ? "qword ptr " : size == 4 ? "dword ptr " : size == 2 ? "word ptr " :
			 size == 1 ? "byte ptr " : "";
	int64_t d = off;

	if (!d)
		snprintf(o, 64, "%s[%s]", sz, r64[base]);
	else
		snprintf(o, 64, "%s[%s %c %s]", sz, r64[base], d < 0 ? '-' : '+', imm_s(d < 0 ? -d : d, false, 8));
	return o;
}

/* ---- one group of checks = one TAP line ---- */

static int g_cases, g_fails;

static void group_begin(void)
{
	g_cases = g_fails = 0;
}

static void group_end(const char *name)
{
	tap(!g_fails && g_cases, "x86: %s (%d encodings, %d wrong)", name, g_cases, g_fails);
}

/* Compare the disassembly of img[0..n) (instructions joined by "; ") with expect. */
static void check_bytes(const char *expect, const u8 *img, u32 n, u32 sized)
{
	static char text[64][HOST_DIS_TEXT];
	uint32_t len[64], used = 0;
	char got[1024] = "";
	int cnt, k;

	g_cases++;
	cnt = host_dis(img, n, BASE, text, len, 64);
	for (k = 0; k < cnt; k++) {
		if (k)
			strcat(got, "; ");
		strncat(got, text[k], sizeof(got) - strlen(got) - 1);
		used += len[k];
	}
	if (used == n && sized == n && !strcmp(got, expect))
		return;
	if (g_fails++ < 3) {
		printf("#   expected: %s\n#   got:      %s", expect, got);
		if (used != n)
			printf(" (%u of %u bytes decoded)", used, n);
		if (sized != n)
			printf(" (sizing pass counted %u bytes, writing pass %u)", sized, n);
		printf("\n#   bytes:");
		for (k = 0; k < (int)n; k++)
			printf(" %02x", img[k]);
		printf("\n");
	}
}

/* Emit STMT (using struct aj_buf *b) twice, sizing then writing, and check it against EXPECT. */
#define CHECK(EXPECT, STMT) do {							\
		u8 img_[128];								\
		struct aj_buf sz_ = { NULL, 0 }, wr_ = { img_, 0 };			\
		{ struct aj_buf *b = &sz_; STMT; }					\
		{ struct aj_buf *b = &wr_; STMT; }					\
		check_bytes((EXPECT), img_, wr_.len, sz_.len);				\
	} while (0)

static char ex[512];
#define EX(...) (snprintf(ex, sizeof(ex), __VA_ARGS__), ex)

/* ---- x86.h, form by form ---- */

static void test_encoder(void)
{
	int d, s, op, k, size, cc;
	unsigned i;

	group_begin();
	for (d = 0; d < 16; d++)
		for (s = 0; s < 16; s++) {
			CHECK(EX("mov %s, %s", r64[d], r64[s]), x86_mov_rr(b, true, d, s));
			CHECK(EX("mov %s, %s", r32[d], r32[s]), x86_mov_rr(b, false, d, s));
		}
	group_end("mov reg, reg (64, 32)");

	group_begin();
	for (op = 0; op < 8; op++)
		for (d = 0; d < 16; d++)
			for (s = 0; s < 16; s++) {
				CHECK(EX("%s %s, %s", alu_names[op], r64[d], r64[s]), x86_alu_rr(b, true, op, d, s));
				CHECK(EX("%s %s, %s", alu_names[op], r32[d], r32[s]), x86_alu_rr(b, false, op, d, s));
			}
	group_end("add/or/adc/sbb/and/sub/xor/cmp reg, reg");

	group_begin();
	for (op = 0; op < 8; op++)
		for (d = 0; d < 16; d++)
			for (i = 0; i < N(imms); i++) {
				s32 v = imms[i];

				CHECK(EX("%s %s, %s", alu_names[op], r64[d], alu_imm(op, v, 8)),
				      x86_alu_ri(b, true, op, d, v));
				CHECK(EX("%s %s, %s", alu_names[op], r32[d], alu_imm(op, v, 4)),
				      x86_alu_ri(b, false, op, d, v));
			}
	group_end("ALU reg, imm8/imm32 (sign extension at -128/127/-129/128)");

	group_begin();
	for (d = 0; d < 16; d++)
		for (i = 0; i < N(imms); i++) {
			s32 v = imms[i];
			static const u64 v64[] = { 0, 1, 0xffffffffULL, 0x80000000ULL, 0x100000000ULL,
				~0ULL, 0xffffffff80000000ULL, 0x7fffffffffffffffULL, 0x123456789abcdefULL };

			CHECK(EX("mov %s, %s", r64[d], imm_s(v, true, 8)), x86_mov_ri32(b, true, d, v));
			if (v)
				CHECK(EX("mov %s, %s", r32[d], imm_s(v, false, 4)), x86_mov_ri32(b, false, d, v));
			else
				CHECK(EX("xor %s, %s", r32[d], r32[d]), x86_mov_ri32(b, false, d, v));
			if (i < N(v64)) {
				u64 w = v64[i];

				if (w == 0)
					CHECK(EX("xor %s, %s", r32[d], r32[d]), x86_mov_ri64(b, d, w));
				else if (w <= 0xffffffffULL)
					CHECK(EX("mov %s, %s", r32[d], imm_s((s64)w, false, 4)), x86_mov_ri64(b, d, w));
				else if (aj_is_imm32((s64)w))
					CHECK(EX("mov %s, %s", r64[d], imm_s((s64)w, true, 8)), x86_mov_ri64(b, d, w));
				else
					CHECK(EX("movabs %s, %s", r64[d], imm_s((s64)w, false, 8)), x86_mov_ri64(b, d, w));
			}
		}
	group_end("mov reg, imm (xor for 0, zero-extending imm32, sign-extended imm32, movabs)");

	group_begin();
	for (d = 0; d < 16; d++) {
		for (s = 0; s < 16; s++) {
			CHECK(EX("test %s, %s", r64[d], r64[s]), x86_test_rr(b, true, d, s));
			CHECK(EX("test %s, %s", r32[d], r32[s]), x86_test_rr(b, false, d, s));
			CHECK(EX("imul %s, %s", r64[d], r64[s]), x86_imul_rr(b, true, d, s));
			CHECK(EX("imul %s, %s", r32[d], r32[s]), x86_imul_rr(b, false, d, s));
			for (i = 0; i < N(imms); i += 3) {
				s32 v = imms[i];

				CHECK(EX("imul %s, %s, %s", r64[d], r64[s], imm_s(v, true, 8)),
				      x86_imul_rri(b, true, d, s, v));
				CHECK(EX("imul %s, %s, %s", r32[d], r32[s], imm_s(v, aj_is_imm8(v), 4)),
				      x86_imul_rri(b, false, d, s, v));
			}
		}
		for (i = 0; i < N(imms); i++) {
			CHECK(EX("test %s, %s", r64[d], imm_s(imms[i], true, 8)), x86_test_ri(b, true, d, imms[i]));
			CHECK(EX("test %s, %s", r32[d], imm_s(imms[i], false, 4)), x86_test_ri(b, false, d, imms[i]));
		}
	}
	group_end("test reg, reg/imm; imul reg, reg[, imm]");

	group_begin();
	{
		static const int sh[] = { X_ROL, X_ROR, X_SHL, X_SHR, X_SAR };
		static const char *const shn[] = { "rol", "ror", "shl", "shr", "sar" };
		static const int g3[] = { X_NOT, X_NEG, X_MUL, X_IMUL1, X_DIV, X_IDIV };
		static const char *const g3n[] = { "not", "neg", "mul", "imul", "div", "idiv" };
		static const u8 counts[] = { 1, 2, 8, 31, 32, 63 };

		for (d = 0; d < 16; d++) {
			for (op = 0; op < 5; op++) {
				for (i = 0; i < N(counts); i++) {
					CHECK(EX("%s %s, %s", shn[op], r64[d], imm_s(counts[i], false, 1)),
					      x86_shift_ri(b, true, sh[op], d, counts[i]));
					if (counts[i] < 32)
						CHECK(EX("%s %s, %s", shn[op], r32[d], imm_s(counts[i], false, 1)),
						      x86_shift_ri(b, false, sh[op], d, counts[i]));
				}
				CHECK(EX("%s %s, cl", shn[op], r64[d]), x86_shift_cl(b, true, sh[op], d));
				CHECK(EX("%s %s, cl", shn[op], r32[d]), x86_shift_cl(b, false, sh[op], d));
			}
			for (op = 0; op < 6; op++) {
				CHECK(EX("%s %s", g3n[op], r64[d]), x86_grp3(b, true, g3[op], d));
				CHECK(EX("%s %s", g3n[op], r32[d]), x86_grp3(b, false, g3[op], d));
			}
		}
	}
	group_end("shifts by imm/cl; not/neg/mul/imul/div/idiv");

	group_begin();
	for (d = 0; d < 16; d++) {
		for (s = 0; s < 16; s++) {
			CHECK(EX("movzx %s, %s", r32[d], r8n[s]), x86_movzx_rr(b, 1, d, s));
			CHECK(EX("movzx %s, %s", r32[d], r16[s]), x86_movzx_rr(b, 2, d, s));
			CHECK(EX("movsx %s, %s", r64[d], r8n[s]), x86_movsx_rr(b, true, 1, d, s));
			CHECK(EX("movsx %s, %s", r32[d], r8n[s]), x86_movsx_rr(b, false, 1, d, s));
			CHECK(EX("movsx %s, %s", r64[d], r16[s]), x86_movsx_rr(b, true, 2, d, s));
			CHECK(EX("movsx %s, %s", r32[d], r16[s]), x86_movsx_rr(b, false, 2, d, s));
			CHECK(EX("movsxd %s, %s", r64[d], r32[s]), x86_movsx_rr(b, true, 4, d, s));
		}
		CHECK(EX("bswap %s", r64[d]), x86_bswap(b, true, d));
		CHECK(EX("bswap %s", r32[d]), x86_bswap(b, false, d));
		CHECK(EX("ror %s, 8", r16[d]), x86_rol16_8(b, d));
		CHECK(EX("push %s", r64[d]), x86_push(b, d));
		CHECK(EX("pop %s", r64[d]), x86_pop(b, d));
		CHECK(EX("jmp %s", r64[d]), x86_jmp_reg(b, d));
		CHECK(EX("call %s", r64[d]), x86_call_reg(b, d));
	}
	CHECK("cdq", x86_cdq(b));
	CHECK("cqo", x86_cqo(b));
	group_end("movzx/movsx/movsxd (byte registers needing REX), bswap, ror16, push/pop, jmp/call reg");

	group_begin();
	for (d = 0; d < 16; d++)
		for (s = 0; s < 16; s++)
			for (i = 0; i < N(disps); i++) {
				s32 o = disps[i];

				CHECK(EX("movzx %s, %s", r32[d], mem_s(1, s, o)), x86_ldx(b, 1, d, s, o));
				CHECK(EX("movzx %s, %s", r32[d], mem_s(2, s, o)), x86_ldx(b, 2, d, s, o));
				CHECK(EX("mov %s, %s", r32[d], mem_s(4, s, o)), x86_ldx(b, 4, d, s, o));
				CHECK(EX("mov %s, %s", r64[d], mem_s(8, s, o)), x86_ldx(b, 8, d, s, o));
				CHECK(EX("movsx %s, %s", r64[d], mem_s(1, s, o)), x86_ldsx(b, 1, d, s, o));
				CHECK(EX("movsx %s, %s", r64[d], mem_s(2, s, o)), x86_ldsx(b, 2, d, s, o));
				CHECK(EX("movsxd %s, %s", r64[d], mem_s(4, s, o)), x86_ldsx(b, 4, d, s, o));
				for (size = 1; size <= 8; size *= 2)
					CHECK(EX("mov %s, %s", mem_s(size, s, o), reg(size, d)), x86_stx(b, size, s, o, d));
				CHECK(EX("lea %s, %s", r64[d], mem_s(0, s, o)), x86_lea(b, true, d, s, o));
				CHECK(EX("lea %s, %s", r32[d], mem_s(0, s, o)), x86_lea(b, false, d, s, o));
			}
	group_end("loads, sign-extending loads, stores, lea: every base (rsp/r12 SIB, rbp/r13 disp) x disp8/disp32 edges");

	group_begin();
	for (s = 0; s < 16; s++)
		for (i = 0; i < N(disps); i++)
			for (k = 0; k < (int)N(imms); k += 2) {
				s32 o = disps[i], v = imms[k];

				CHECK(EX("mov %s, %s", mem_s(1, s, o), imm_s(v, false, 1)), x86_st_imm(b, 1, s, o, v));
				CHECK(EX("mov %s, %s", mem_s(2, s, o), imm_s(v, false, 2)), x86_st_imm(b, 2, s, o, v));
				CHECK(EX("mov %s, %s", mem_s(4, s, o), imm_s(v, false, 4)), x86_st_imm(b, 4, s, o, v));
				CHECK(EX("mov %s, %s", mem_s(8, s, o), imm_s(v, true, 8)), x86_st_imm(b, 8, s, o, v));
			}
	group_end("stores of immediates, every size and base");

	group_begin();
	for (d = 0; d < 16; d++)
		for (s = 0; s < 16; s++)
			for (i = 0; i < N(disps); i += 2)
				for (size = 4; size <= 8; size *= 2) {
					s32 o = disps[i];
					const char *m = mem_s(size, d, o);

					for (op = 0; op < 8; op++)
						if (op == X_ADD || op == X_AND || op == X_OR || op == X_XOR)
							CHECK(EX("lock %s %s, %s", alu_names[op], m, reg(size, s)),
							      x86_lock_alu(b, size, op, d, o, s));
					CHECK(EX("lock xadd %s, %s", m, reg(size, s)), x86_lock_xadd(b, size, d, o, s));
					CHECK(EX("xchg %s, %s", m, reg(size, s)), x86_xchg(b, size, d, o, s));
					CHECK(EX("lock cmpxchg %s, %s", m, reg(size, s)), x86_lock_cmpxchg(b, size, d, o, s));
				}
	group_end("atomics: lock add/and/or/xor, lock xadd, xchg, lock cmpxchg (32, 64)");

	group_begin();
	{
		static const s32 rels[] = { 0, 1, -2, 127, -128, 0x7fffffff, (s32)0x80000000, 1000, -1000 };

		for (i = 0; i < N(rels); i++) {
			s32 r = rels[i];

			if (aj_is_imm8(r)) {
				CHECK(EX("jmp %s", imm_s((s64)BASE + 2 + r, false, 8)), x86_jmp_rel8(b, (s8)r));
				for (cc = 0; cc < 16; cc++)
					CHECK(EX("%s %s", cc_names[cc], imm_s((s64)BASE + 2 + r, false, 8)),
					      x86_jcc_rel8(b, cc, (s8)r));
			}
			CHECK(EX("jmp %s", imm_s((s64)BASE + 5 + r, false, 8)), x86_jmp_rel32(b, r));
			CHECK(EX("call %s", imm_s((s64)BASE + 5 + r, false, 8)), x86_call_rel32(b, r));
			for (cc = 0; cc < 16; cc++)
				CHECK(EX("%s %s", cc_names[cc], imm_s((s64)BASE + 6 + r, false, 8)),
				      x86_jcc_rel32(b, cc, r));
		}
	}
	CHECK("ret", x86_ret(b));
	CHECK("int3", x86_int3(b));
	CHECK("leave", x86_leave(b));
	CHECK("lfence", x86_lfence(b));
	CHECK("endbr64", x86_endbr64(b));
	CHECK("ud2", x86_ud2(b));
	group_end("jmp/jcc rel8/rel32 (all conditions), call rel32, ret, int3, leave, lfence, endbr64, ud2");

	/* NOPs: n bytes, each instruction a nop, 8 bytes at most each */
	group_begin();
	for (k = 1; k <= 20; k++) {
		static char text[16][HOST_DIS_TEXT];
		u8 img[32];
		struct aj_buf wb = { img, 0 }, sb = { NULL, 0 };
		uint32_t len[16], used = 0;
		int cnt, m, bad = 0;

		x86_nopn(&wb, k);
		x86_nopn(&sb, k);
		cnt = host_dis(img, wb.len, BASE, text, len, 16);
		for (m = 0; m < cnt; m++) {
			used += len[m];
			bad |= strncmp(text[m], "nop", 3) != 0;
		}
		g_cases++;
		if (bad || used != (u32)k || wb.len != (u32)k || sb.len != (u32)k || cnt != (k + 7) / 8) {
			g_fails++;
			printf("#   nop%d: %d instructions, %u bytes decoded\n", k, cnt, used);
		}
	}
	CHECK("nop dword ptr [rax + rax]", x86_nop5(b));
	group_end("multi-byte NOPs of 1..20 bytes; the 5-byte patch-site NOP");
}

/* ---- aj_emit_insn(), BPF instruction by instruction ---- */

static const u8 xr[11] = { X_RAX, X_RDI, X_RSI, X_RDX, X_RCX, X_R8, X_RBX, X_R13, X_R14, X_R15, X_RBP };

static struct aj_target tgt;
static struct aj_func fn;
static struct bpf_insn prog[4];
static u32 addrs[8];

/* Emit prog[0] (len instructions); returns the bytes and their number. */
static int emit_one(u8 *img, u32 *n, u32 *sized, u32 len)
{
	struct aj_ctx c = { .t = &tgt, .frame = &aj_frame_optimized, .fn = &fn, .addrs = addrs };
	int r;

	fn.insns = prog;
	fn.len = len;
	c.b = (struct aj_buf){ NULL, 0 };
	r = aj_emit_insn(&c, 0);
	*sized = c.b.len;
	c.b = (struct aj_buf){ img, 0 };
	if (aj_emit_insn(&c, 0) != r)
		return -1;
	*n = c.b.len;
	return r;
}

static void check_insn(const char *expect)
{
	u8 img[256];
	u32 n, sized;

	if (emit_one(img, &n, &sized, 2) < 0) {
		g_cases++;
		if (g_fails++ < 3)
			printf("#   expected: %s\n#   got: an error\n", expect);
		return;
	}
	check_bytes(expect, img, n, sized);
}

#define INSN(C, D, S, O, IMM) (prog[0] = (struct bpf_insn){ .code = (C), .dst_reg = (D), .src_reg = (S), .off = (O), .imm = (IMM) })

static void test_bpf_alu(void)
{
	static const u8 ops[] = { BPF_ADD, BPF_SUB, BPF_AND, BPF_OR, BPF_XOR };
	static const int xops[] = { X_ADD, X_SUB, X_AND, X_OR, X_XOR };
	int d, s, w;
	unsigned o, i;

	group_begin();
	for (w = 0; w < 2; w++) {
		u8 cls = w ? BPF_ALU64 : BPF_ALU;
		const char *const *R = w ? r64 : r32;

		for (d = 0; d < 10; d++) {
			for (s = 0; s < 10; s++) {
				for (o = 0; o < N(ops); o++) {
					INSN(cls | ops[o] | BPF_X, d, s, 0, 0);
					check_insn(EX("%s %s, %s", alu_names[xops[o]], R[xr[d]], R[xr[s]]));
				}
				INSN(cls | BPF_MOV | BPF_X, d, s, 0, 0);
				check_insn(d == s && w ? "" : EX("mov %s, %s", R[xr[d]], R[xr[s]]));
				INSN(cls | BPF_MUL | BPF_X, d, s, 0, 0);
				check_insn(EX("imul %s, %s", R[xr[d]], R[xr[s]]));
			}
			for (i = 0; i < N(imms); i++) {
				s32 v = imms[i];

				for (o = 0; o < N(ops); o++) {
					INSN(cls | ops[o] | BPF_K, d, 0, 0, v);
					check_insn(EX("%s %s, %s", alu_names[xops[o]], R[xr[d]],
						      alu_imm(xops[o], v, w ? 8 : 4)));
				}
				INSN(cls | BPF_MUL | BPF_K, d, 0, 0, v);
				check_insn(EX("imul %s, %s, %s", R[xr[d]], R[xr[d]],
					      imm_s(v, w || aj_is_imm8(v), w ? 8 : 4)));
				INSN(cls | BPF_MOV | BPF_K, d, 0, 0, v);
				if (!v)
					check_insn(EX("xor %s, %s", r32[xr[d]], r32[xr[d]]));
				else if (!w || v > 0)
					check_insn(EX("mov %s, %s", r32[xr[d]], imm_s(v, false, 4)));
				else
					check_insn(EX("mov %s, %s", r64[xr[d]], imm_s(v, true, 8)));
			}
			INSN(cls | BPF_NEG | BPF_K, d, 0, 0, 0);
			check_insn(EX("neg %s", R[xr[d]]));
			/* shifts by an immediate: masked; 0 is nothing (64) or a zero-extension (32) */
			for (i = 0; i < 70; i += 7) {
				static const char *const sn[] = { "shl", "shr", "sar" };
				static const u8 so[] = { BPF_LSH, BPF_RSH, BPF_ARSH };
				unsigned m = i & (w ? 63 : 31);

				for (o = 0; o < 3; o++) {
					INSN(cls | so[o] | BPF_K, d, 0, 0, (s32)i);
					if (m)
						check_insn(EX("%s %s, %s", sn[o], R[xr[d]], imm_s(m, false, 1)));
					else
						check_insn(w ? "" : EX("mov %s, %s", r32[xr[d]], r32[xr[d]]));
				}
			}
			/* shifts by a register: through cl, keeping rcx */
			for (s = 0; s < 10; s++) {
				int dd = xr[d] == X_RCX ? X_R11 : xr[d];

				INSN(cls | BPF_LSH | BPF_X, d, s, 0, 0);
				if (xr[s] == X_RCX)
					check_insn(EX("shl %s, cl", R[xr[d]]));
				else
					check_insn(EX("mov r11, rcx; mov rcx, %s; shl %s, cl; mov rcx, r11", r64[xr[s]],
						      R[dd]));
			}
			/* byte swaps */
			INSN(BPF_ALU | BPF_END | BPF_TO_BE, d, 0, 0, 16);
			check_insn(EX("ror %s, 8; movzx %s, %s", r16[xr[d]], r32[xr[d]], r16[xr[d]]));
			INSN(BPF_ALU | BPF_END | BPF_TO_BE, d, 0, 0, 32);
			check_insn(EX("bswap %s", r32[xr[d]]));
			INSN(BPF_ALU | BPF_END | BPF_TO_BE, d, 0, 0, 64);
			check_insn(EX("bswap %s", r64[xr[d]]));
			INSN(BPF_ALU | BPF_END | BPF_TO_LE, d, 0, 0, 16);
			check_insn(EX("movzx %s, %s", r32[xr[d]], r16[xr[d]]));
			INSN(BPF_ALU | BPF_END | BPF_TO_LE, d, 0, 0, 32);
			check_insn(EX("mov %s, %s", r32[xr[d]], r32[xr[d]]));
			INSN(BPF_ALU | BPF_END | BPF_TO_LE, d, 0, 0, 64);
			check_insn("");
		}
	}
	/* division: rdx:rax by r11, saving rax/rdx around it unless they are the destination */
	for (d = 0; d < 10; d++)
		for (s = 0; s < 10; s++)
			for (w = 0; w < 4; w++) {
				bool is64 = w & 1, mod = w & 2;
				const char *const *R = is64 ? r64 : r32;
				char e[512] = "";
				int D = xr[d];

				INSN((is64 ? BPF_ALU64 : BPF_ALU) | (mod ? BPF_MOD : BPF_DIV) | BPF_X, d, s, 0, 0);
				if (D != X_RAX)
					strcat(e, "push rax; ");
				if (D != X_RDX)
					strcat(e, "push rdx; ");
				snprintf(e + strlen(e), sizeof(e) - strlen(e), "mov %s, %s; ", R[X_R11], R[xr[s]]);
				if (D != X_RAX)
					snprintf(e + strlen(e), sizeof(e) - strlen(e), "mov rax, %s; ", r64[D]);
				snprintf(e + strlen(e), sizeof(e) - strlen(e), "xor edx, edx; div %s", R[X_R11]);
				if (mod && D != X_RDX)
					snprintf(e + strlen(e), sizeof(e) - strlen(e), "; mov %s, %s", R[D], R[X_RDX]);
				else if (mod && !is64)
					strcat(e, "; mov edx, edx");
				else if (!mod && D != X_RAX)
					snprintf(e + strlen(e), sizeof(e) - strlen(e), "; mov %s, %s", R[D], R[X_RAX]);
				else if (!mod && !is64)
					strcat(e, "; mov eax, eax");
				if (D != X_RDX)
					strcat(e, "; pop rdx");
				if (D != X_RAX)
					strcat(e, "; pop rax");
				check_insn(e);
			}
	group_end("BPF ALU/ALU64: add..xor, mov, mul, neg, shifts, byte swaps, div/mod over R0-R9 pairs and imm edges");
}

static void test_bpf_jmp(void)
{
	static const u8 ops[] = { BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT,
		BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET };
	static const int ccs[] = { X_CC_E, X_CC_NE, X_CC_A, X_CC_AE, X_CC_B, X_CC_BE, X_CC_G,
		X_CC_GE, X_CC_L, X_CC_LE, X_CC_NE };
	/* distances from the end of the jump to its target, as addrs[] say */
	static const s32 dists[] = { 0, 5, 127, 128, -128, -129, 3000 };
	int d, s, w;
	unsigned o, i, k;

	group_begin();
	for (w = 0; w < 2; w++) {
		u8 cls = w ? BPF_JMP : BPF_JMP32;
		const char *const *R = w ? r64 : r32;

		for (o = 0; o < N(ops); o++)
			for (d = 0; d < 11; d++)
				for (k = 0; k < N(dists); k++) {
					s32 dist = dists[k];
					char cmp[96];
					u32 len = 0;

					/* the jump's target is insn 1 + off; its distance from the end of insn 0 */
					addrs[0] = 1000;
					addrs[1] = 2000;
					addrs[2] = 2000 + dist;
					for (s = 0; s < 11; s += (d % 3) + 1) {
						INSN(cls | ops[o] | BPF_X, d, s, 1, 0);
						snprintf(cmp, sizeof(cmp), "%s %s, %s", ops[o] == BPF_JSET ? "test" : "cmp",
							 R[xr[d]], R[xr[s]]);
						len = (xr[d] >= 8 || xr[s] >= 8 || w) ? 3 : 2;
						len += aj_is_imm8(dist) ? 2 : 6;
						check_insn(EX("%s; %s %s", cmp, cc_names[ccs[o]],
							      imm_s((s64)BASE + len + dist, false, 8)));
					}
					for (i = 0; i < N(imms); i += 2) {
						s32 v = imms[i];
						bool t = ops[o] == BPF_JSET;

						INSN(cls | ops[o] | BPF_K, d, 0, 1, v);
						if (t)
							snprintf(cmp, sizeof(cmp), "test %s, %s", R[xr[d]], imm_s(v, w, w ? 8 : 4));
						else if (!v)
							snprintf(cmp, sizeof(cmp), "test %s, %s", R[xr[d]], R[xr[d]]);
						else
							snprintf(cmp, sizeof(cmp), "cmp %s, %s", R[xr[d]],
								 imm_s(v, w || aj_is_imm8(v), w ? 8 : 4));
						/* the cmp's length from the bytes: checked through the target text */
						{
							u8 img[64];
							u32 n, sized;

							if (emit_one(img, &n, &sized, 2) < 0)
								n = 0;
							check_insn(EX("%s; %s %s", cmp, cc_names[ccs[o]],
								      imm_s((s64)BASE + n + dist, false, 8)));
						}
					}
				}
	}
	/* ja, gotol, exit (a jump to the epilogue unless last) */
	for (k = 0; k < N(dists); k++) {
		s32 dist = dists[k];
		u32 len = aj_is_imm8(dist) ? 2 : 5;

		addrs[1] = 2000;
		addrs[2] = 2000 + dist;
		INSN(BPF_JMP | BPF_JA, 0, 0, 1, 0);
		check_insn(EX("jmp %s", imm_s((s64)BASE + len + dist, false, 8)));
		INSN(BPF_JMP32 | BPF_JA, 0, 0, 0, 1);
		check_insn(EX("jmp %s", imm_s((s64)BASE + len + dist, false, 8)));
	}
	INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0);
	check_insn("");
	group_end("BPF JMP/JMP32: every condition, reg/imm/zero, R0-R10, rel8/rel32 at the 127/128 edges; ja, gotol");
}

static void test_bpf_mem(void)
{
	static const u8 sizes[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	static const s16 offs[] = { 0, 1, -1, 127, -128, 128, -129, 0x7fff, -0x8000 };
	static const s32 aops[] = { BPF_ADD, BPF_AND, BPF_OR, BPF_XOR };
	static const int axops[] = { X_ADD, X_AND, X_OR, X_XOR };
	int d, s, z;
	unsigned i, k;

	group_begin();
	for (d = 0; d < 11; d++)
		for (s = 0; s < 11; s++)
			for (i = 0; i < N(offs); i++)
				for (z = 0; z < 4; z++) {
					int size = 1 << z;
					s16 o = offs[i];
					const char *ld = size == 8 ? "mov" : size == 4 ? "mov" : "movzx";

					if (d < 10) {
						INSN(BPF_LDX | BPF_MEM | sizes[z], d, s, o, 0);
						check_insn(EX("%s %s, %s", ld, size == 8 ? r64[xr[d]] : r32[xr[d]],
							      mem_s(size, xr[s], o)));
						INSN(BPF_LDX | BPF_MEMSX | sizes[z], d, s, o, 0);
						if (size < 8)
							check_insn(EX("%s %s, %s", size == 4 ? "movsxd" : "movsx", r64[xr[d]],
								      mem_s(size, xr[s], o)));
					}
					if (s < 10) {
						INSN(BPF_STX | BPF_MEM | sizes[z], d, s, o, 0);
						check_insn(EX("mov %s, %s", mem_s(size, xr[d], o), reg(size, xr[s])));
					}
					INSN(BPF_ST | BPF_MEM | sizes[z], d, 0, o, -3);
					check_insn(EX("mov %s, %s", mem_s(size, xr[d], o), imm_s(-3, size == 8, size)));
					if (z < 2 || s == 10)
						continue;
					for (k = 0; k < N(aops); k++) {
						INSN(BPF_STX | BPF_ATOMIC | sizes[z], d, s, o, aops[k]);
						check_insn(EX("lock %s %s, %s", alu_names[axops[k]], mem_s(size, xr[d], o),
							      reg(size, xr[s])));
					}
					INSN(BPF_STX | BPF_ATOMIC | sizes[z], d, s, o, BPF_ADD | BPF_FETCH);
					check_insn(EX("lock xadd %s, %s", mem_s(size, xr[d], o), reg(size, xr[s])));
					INSN(BPF_STX | BPF_ATOMIC | sizes[z], d, s, o, BPF_XCHG);
					check_insn(EX("xchg %s, %s", mem_s(size, xr[d], o), reg(size, xr[s])));
					INSN(BPF_STX | BPF_ATOMIC | sizes[z], d, s, o, BPF_CMPXCHG);
					check_insn(size == 8 ? EX("lock cmpxchg %s, %s", mem_s(size, xr[d], o), reg(size, xr[s]))
							     : EX("lock cmpxchg %s, %s; mov eax, eax", mem_s(size, xr[d], o),
								  reg(size, xr[s])));
				}
	INSN(BPF_ST | BPF_NOSPEC, 0, 0, 0, 0);
	check_insn("lfence");
	/* LD_IMM64: the shortest mov for the value */
	for (d = 0; d < 10; d++) {
		prog[0] = (struct bpf_insn){ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = d, .imm = -1 };
		prog[1] = (struct bpf_insn){ .imm = 0x7fffffff };
		check_insn(EX("movabs %s, 0x7fffffffffffffff", r64[xr[d]]));
		prog[1].imm = 0;
		check_insn(EX("mov %s, 0xffffffff", r32[xr[d]]));
		prog[1].imm = -1;
		check_insn(EX("mov %s, -1", r64[xr[d]]));
	}
	group_end("BPF LDX/LDSX/ST/STX/atomics (every size, base R0-R10, disp edges), nospec, LD_IMM64");
}

int main(void)
{
	host_target(&tgt, 0);
	test_encoder();
	test_bpf_alu();
	test_bpf_jmp();
	test_bpf_mem();
	return tap_done();
}
