/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small x86-64 instruction encoder, header-only, shared by the kernel module and userspace
 * tests. Every function appends one instruction to a struct aj_buf; with b->image NULL it only
 * counts bytes (sizing passes). Register numbers are the hardware ones (enum aj_xreg).
 */
#ifndef _ALTJIT_X86_H
#define _ALTJIT_X86_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#else
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#ifndef AJ_HAVE_KTYPES
#define AJ_HAVE_KTYPES
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
#endif
#endif

struct aj_buf {
	u8 *image;	/* where bytes go; NULL while sizing: only len advances */
	u32 len;	/* bytes emitted so far */
};

enum aj_xreg {
	X_RAX, X_RCX, X_RDX, X_RBX, X_RSP, X_RBP, X_RSI, X_RDI,
	X_R8, X_R9, X_R10, X_R11, X_R12, X_R13, X_R14, X_R15,
};

/* group 1 (ALU), group 2 (shifts), group 3 (unary, mul/div) operation numbers (ModRM.reg) */
enum { X_ADD = 0, X_OR = 1, X_ADC = 2, X_SBB = 3, X_AND = 4, X_SUB = 5, X_XOR = 6, X_CMP = 7 };
enum { X_ROL = 0, X_ROR = 1, X_SHL = 4, X_SHR = 5, X_SAR = 7 };
enum { X_NOT = 2, X_NEG = 3, X_MUL = 4, X_IMUL1 = 5, X_DIV = 6, X_IDIV = 7 };

/* condition codes (the low nibble of Jcc) */
enum {
	X_CC_O = 0x0, X_CC_NO = 0x1, X_CC_B = 0x2, X_CC_AE = 0x3, X_CC_E = 0x4, X_CC_NE = 0x5,
	X_CC_BE = 0x6, X_CC_A = 0x7, X_CC_S = 0x8, X_CC_NS = 0x9, X_CC_L = 0xc, X_CC_GE = 0xd,
	X_CC_LE = 0xe, X_CC_G = 0xf,
};

#define X86_JMP8_LEN	2
#define X86_JMP32_LEN	5
#define X86_JCC8_LEN	2
#define X86_JCC32_LEN	6
#define X86_CALL_LEN	5

static inline bool aj_is_imm8(s64 v)
{
	return v >= -128 && v <= 127;
}

static inline bool aj_is_imm32(s64 v)
{
	return v >= -2147483648LL && v <= 2147483647LL;
}

static inline bool aj_is_uimm32(u64 v)
{
	return v <= 0xffffffffULL;
}

/* ---- raw bytes ---- */

static inline void aj_emit1(struct aj_buf *b, u8 x)
{
	if (b->image)
		b->image[b->len] = x;
	b->len++;
}

static inline void aj_emit2(struct aj_buf *b, u8 x, u8 y)
{
	aj_emit1(b, x);
	aj_emit1(b, y);
}

static inline void aj_emit3(struct aj_buf *b, u8 x, u8 y, u8 z)
{
	aj_emit2(b, x, y);
	aj_emit1(b, z);
}

static inline void aj_emit4(struct aj_buf *b, u8 x, u8 y, u8 z, u8 w)
{
	aj_emit2(b, x, y);
	aj_emit2(b, z, w);
}

static inline void aj_emit_u32(struct aj_buf *b, u32 v)
{
	aj_emit4(b, v, v >> 8, v >> 16, v >> 24);
}

static inline void aj_emit_u64(struct aj_buf *b, u64 v)
{
	aj_emit_u32(b, (u32)v);
	aj_emit_u32(b, (u32)(v >> 32));
}

static inline void aj_emit_bytes(struct aj_buf *b, const void *p, u32 n)
{
	if (b->image)
		memcpy(b->image + b->len, p, n);
	b->len += n;
}

/* ---- prefixes and operands ---- */

/*
 * REX prefix for an instruction whose ModRM.reg is r and ModRM.rm (or SIB.base) is m. byte: the
 * operand r (reg-form: r or m) is a byte register, so spl/bpl/sil/dil need a REX to be reachable.
 */
static inline void x86_rex(struct aj_buf *b, bool w, int r, int m, bool byte_r, bool byte_m)
{
	u8 rex = 0x40 | (w ? 8 : 0) | ((r & 8) ? 4 : 0) | ((m & 8) ? 1 : 0);

	if (rex != 0x40 || (byte_r && r >= 4 && r < 8) || (byte_m && m >= 4 && m < 8))
		aj_emit1(b, rex);
}

static inline void x86_modrm_rr(struct aj_buf *b, int r, int m)
{
	aj_emit1(b, 0xc0 | ((r & 7) << 3) | (m & 7));
}

/* ModRM (+SIB, +disp) for [base + off] */
static inline void x86_modrm_mem(struct aj_buf *b, int r, int base, s32 off)
{
	int mod = (off == 0 && (base & 7) != X_RBP) ? 0 : aj_is_imm8(off) ? 1 : 2;

	aj_emit1(b, (mod << 6) | ((r & 7) << 3) | (base & 7));
	if ((base & 7) == X_RSP)
		aj_emit1(b, 0x24);	/* SIB: no index, base rsp/r12 */
	if (mod == 1)
		aj_emit1(b, (u8)off);
	else if (mod == 2)
		aj_emit_u32(b, (u32)off);
}

/* opcode bytes (1 or 2: op2 >= 0) with a reg,reg operand pair */
static inline void x86_op_rr(struct aj_buf *b, bool w, int op1, int op2, int r, int m)
{
	x86_rex(b, w, r, m, false, false);
	aj_emit1(b, op1);
	if (op2 >= 0)
		aj_emit1(b, op2);
	x86_modrm_rr(b, r, m);
}

/* ---- moves ---- */

static inline void x86_mov_rr(struct aj_buf *b, bool is64, int dst, int src)
{
	x86_op_rr(b, is64, 0x89, -1, src, dst);
}

static inline void x86_alu_rr(struct aj_buf *b, bool is64, int op, int dst, int src)
{
	x86_op_rr(b, is64, op * 8 + 1, -1, src, dst);
}

static inline void x86_mov_ri32(struct aj_buf *b, bool is64, int dst, s32 imm)
{
	if (is64) {
		x86_op_rr(b, true, 0xc7, -1, 0, dst);
		aj_emit_u32(b, (u32)imm);
	} else if (imm == 0) {
		x86_alu_rr(b, false, X_XOR, dst, dst);
	} else {
		x86_rex(b, false, 0, dst, false, false);
		aj_emit1(b, 0xb8 + (dst & 7));
		aj_emit_u32(b, (u32)imm);
	}
}

/* movabs dst, imm64: always 10 bytes, whatever the value */
static inline void x86_movabs(struct aj_buf *b, int dst, u64 imm)
{
	x86_rex(b, true, 0, dst, false, false);
	aj_emit1(b, 0xb8 + (dst & 7));
	aj_emit_u64(b, imm);
}

static inline void x86_mov_ri64(struct aj_buf *b, int dst, u64 imm)
{
	if (aj_is_uimm32(imm))
		x86_mov_ri32(b, false, dst, (s32)(u32)imm);
	else if (aj_is_imm32((s64)imm))
		x86_mov_ri32(b, true, dst, (s32)imm);
	else
		x86_movabs(b, dst, imm);
}

/* ---- arithmetic ---- */

static inline void x86_alu_ri(struct aj_buf *b, bool is64, int op, int dst, s32 imm)
{
	if (aj_is_imm8(imm)) {
		x86_op_rr(b, is64, 0x83, -1, op, dst);
		aj_emit1(b, (u8)imm);
	} else {
		x86_op_rr(b, is64, 0x81, -1, op, dst);
		aj_emit_u32(b, (u32)imm);
	}
}

static inline void x86_test_rr(struct aj_buf *b, bool is64, int a, int c)
{
	x86_op_rr(b, is64, 0x85, -1, c, a);
}

static inline void x86_test_ri(struct aj_buf *b, bool is64, int reg, s32 imm)
{
	x86_op_rr(b, is64, 0xf7, -1, 0, reg);
	aj_emit_u32(b, (u32)imm);
}

static inline void x86_shift_ri(struct aj_buf *b, bool is64, int op, int dst, u8 imm)
{
	if (imm == 1) {
		x86_op_rr(b, is64, 0xd1, -1, op, dst);
	} else {
		x86_op_rr(b, is64, 0xc1, -1, op, dst);
		aj_emit1(b, imm);
	}
}

static inline void x86_shift_cl(struct aj_buf *b, bool is64, int op, int dst)
{
	x86_op_rr(b, is64, 0xd3, -1, op, dst);
}

static inline void x86_grp3(struct aj_buf *b, bool is64, int op, int reg)
{
	x86_op_rr(b, is64, 0xf7, -1, op, reg);
}

static inline void x86_imul_rr(struct aj_buf *b, bool is64, int dst, int src)
{
	x86_op_rr(b, is64, 0x0f, 0xaf, dst, src);
}

static inline void x86_imul_rri(struct aj_buf *b, bool is64, int dst, int src, s32 imm)
{
	if (aj_is_imm8(imm)) {
		x86_op_rr(b, is64, 0x6b, -1, dst, src);
		aj_emit1(b, (u8)imm);
	} else {
		x86_op_rr(b, is64, 0x69, -1, dst, src);
		aj_emit_u32(b, (u32)imm);
	}
}

static inline void x86_cdq(struct aj_buf *b)
{
	aj_emit1(b, 0x99);
}

static inline void x86_cqo(struct aj_buf *b)
{
	aj_emit2(b, 0x48, 0x99);
}

/* zero-extend the low byte/word of src into dst (all 64 bits) */
static inline void x86_movzx_rr(struct aj_buf *b, int size, int dst, int src)
{
	x86_rex(b, false, dst, src, false, size == 1);
	aj_emit2(b, 0x0f, size == 1 ? 0xb6 : 0xb7);
	x86_modrm_rr(b, dst, src);
}

/* sign-extend the low byte/word/dword of src into dst (32 or 64 bits) */
static inline void x86_movsx_rr(struct aj_buf *b, bool is64, int size, int dst, int src)
{
	x86_rex(b, is64 || size == 4, dst, src, false, size == 1);
	if (size == 4)
		aj_emit1(b, 0x63);
	else
		aj_emit2(b, 0x0f, size == 1 ? 0xbe : 0xbf);
	x86_modrm_rr(b, dst, src);
}

static inline void x86_bswap(struct aj_buf *b, bool is64, int reg)
{
	x86_rex(b, is64, 0, reg, false, false);
	aj_emit2(b, 0x0f, 0xc8 + (reg & 7));
}

/* ror r16, 8: swaps the two low bytes */
static inline void x86_rol16_8(struct aj_buf *b, int reg)
{
	aj_emit1(b, 0x66);
	x86_op_rr(b, false, 0xc1, -1, X_ROR, reg);
	aj_emit1(b, 8);
}

/* ---- memory ---- */

/* opcode bytes with a reg,[base+off] operand pair; pfx: 0x66 or 0xf0 (0: none) */
static inline void x86_op_mem(struct aj_buf *b, u8 pfx, bool w, int op1, int op2, int r,
			      int base, s32 off, bool byte_r)
{
	if (pfx)
		aj_emit1(b, pfx);
	x86_rex(b, w, r, base, byte_r, false);
	aj_emit1(b, op1);
	if (op2 >= 0)
		aj_emit1(b, op2);
	x86_modrm_mem(b, r, base, off);
}

/* zero-extending load */
static inline void x86_ldx(struct aj_buf *b, int size, int dst, int base, s32 off)
{
	if (size <= 2)
		x86_op_mem(b, 0, false, 0x0f, size == 1 ? 0xb6 : 0xb7, dst, base, off, false);
	else
		x86_op_mem(b, 0, size == 8, 0x8b, -1, dst, base, off, false);
}

/* sign-extending load to 64 bits */
static inline void x86_ldsx(struct aj_buf *b, int size, int dst, int base, s32 off)
{
	if (size <= 2)
		x86_op_mem(b, 0, true, 0x0f, size == 1 ? 0xbe : 0xbf, dst, base, off, false);
	else
		x86_op_mem(b, 0, true, 0x63, -1, dst, base, off, false);
}

static inline void x86_stx(struct aj_buf *b, int size, int base, s32 off, int src)
{
	if (size == 1)
		x86_op_mem(b, 0, false, 0x88, -1, src, base, off, true);
	else
		x86_op_mem(b, size == 2 ? 0x66 : 0, size == 8, 0x89, -1, src, base, off, false);
}

static inline void x86_st_imm(struct aj_buf *b, int size, int base, s32 off, s32 imm)
{
	if (size == 1) {
		x86_op_mem(b, 0, false, 0xc6, -1, 0, base, off, false);
		aj_emit1(b, (u8)imm);
	} else if (size == 2) {
		x86_op_mem(b, 0x66, false, 0xc7, -1, 0, base, off, false);
		aj_emit2(b, (u8)imm, (u8)(imm >> 8));
	} else {
		x86_op_mem(b, 0, size == 8, 0xc7, -1, 0, base, off, false);
		aj_emit_u32(b, (u32)imm);
	}
}

/* add dst, gs:[disp32] (a per-CPU variable's offset: the running CPU's copy) */
static inline void x86_add_gs_disp32(struct aj_buf *b, int dst, u32 disp)
{
	aj_emit2(b, 0x65, 0x48 | (dst >= 8 ? 4 : 0));
	aj_emit3(b, 0x03, 0x04 | ((dst & 7) << 3), 0x25);
	aj_emit_u32(b, disp);
}

static inline void x86_lea(struct aj_buf *b, bool is64, int dst, int base, s32 off)
{
	x86_op_mem(b, 0, is64, 0x8d, -1, dst, base, off, false);
}

/* ---- atomics on [base + off], 4 or 8 bytes ---- */

static inline void x86_lock_alu(struct aj_buf *b, int size, int op, int base, s32 off, int src)
{
	x86_op_mem(b, 0xf0, size == 8, op * 8 + 1, -1, src, base, off, false);
}

static inline void x86_lock_xadd(struct aj_buf *b, int size, int base, s32 off, int src)
{
	x86_op_mem(b, 0xf0, size == 8, 0x0f, 0xc1, src, base, off, false);
}

static inline void x86_xchg(struct aj_buf *b, int size, int base, s32 off, int src)
{
	x86_op_mem(b, 0, size == 8, 0x87, -1, src, base, off, false);
}

static inline void x86_lock_cmpxchg(struct aj_buf *b, int size, int base, s32 off, int src)
{
	x86_op_mem(b, 0xf0, size == 8, 0x0f, 0xb1, src, base, off, false);
}

/* ---- stack, control flow ---- */

static inline void x86_push(struct aj_buf *b, int reg)
{
	if (reg & 8)
		aj_emit1(b, 0x41);
	aj_emit1(b, 0x50 + (reg & 7));
}

static inline void x86_pop(struct aj_buf *b, int reg)
{
	if (reg & 8)
		aj_emit1(b, 0x41);
	aj_emit1(b, 0x58 + (reg & 7));
}

static inline void x86_jmp_rel8(struct aj_buf *b, s8 rel)
{
	aj_emit2(b, 0xeb, (u8)rel);
}

static inline void x86_jmp_rel32(struct aj_buf *b, s32 rel)
{
	aj_emit1(b, 0xe9);
	aj_emit_u32(b, (u32)rel);
}

static inline void x86_jcc_rel8(struct aj_buf *b, int cc, s8 rel)
{
	aj_emit2(b, 0x70 + cc, (u8)rel);
}

static inline void x86_jcc_rel32(struct aj_buf *b, int cc, s32 rel)
{
	aj_emit2(b, 0x0f, 0x80 + cc);
	aj_emit_u32(b, (u32)rel);
}

static inline void x86_call_rel32(struct aj_buf *b, s32 rel)
{
	aj_emit1(b, 0xe8);
	aj_emit_u32(b, (u32)rel);
}

static inline void x86_jmp_reg(struct aj_buf *b, int reg)
{
	x86_op_rr(b, false, 0xff, -1, 4, reg);
}

static inline void x86_call_reg(struct aj_buf *b, int reg)
{
	x86_op_rr(b, false, 0xff, -1, 2, reg);
}

static inline void x86_ret(struct aj_buf *b)
{
	aj_emit1(b, 0xc3);
}

static inline void x86_int3(struct aj_buf *b)
{
	aj_emit1(b, 0xcc);
}

static inline void x86_leave(struct aj_buf *b)
{
	aj_emit1(b, 0xc9);
}

static inline void x86_lfence(struct aj_buf *b)
{
	aj_emit3(b, 0x0f, 0xae, 0xe8);
}

static inline void x86_endbr64(struct aj_buf *b)
{
	aj_emit4(b, 0xf3, 0x0f, 0x1e, 0xfa);
}

static inline void x86_ud2(struct aj_buf *b)
{
	aj_emit2(b, 0x0f, 0x0b);
}

/* n bytes of the recommended multi-byte NOPs */
static inline void x86_nopn(struct aj_buf *b, u32 n)
{
	static const u8 nops[8][8] = {
		{ 0x90 },
		{ 0x66, 0x90 },
		{ 0x0f, 0x1f, 0x00 },
		{ 0x0f, 0x1f, 0x40, 0x00 },
		{ 0x0f, 0x1f, 0x44, 0x00, 0x00 },
		{ 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
		{ 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
		{ 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
	};

	while (n) {
		u32 k = n > 8 ? 8 : n;

		aj_emit_bytes(b, nops[k - 1], k);
		n -= k;
	}
}

static inline void x86_nop2(struct aj_buf *b)
{
	x86_nopn(b, 2);
}

static inline void x86_nop3(struct aj_buf *b)
{
	x86_nopn(b, 3);
}

/* the 5-byte NOP the kernel's poke code expects at patch sites */
static inline void x86_nop5(struct aj_buf *b)
{
	x86_nopn(b, 5);
}

#endif /* _ALTJIT_X86_H */
