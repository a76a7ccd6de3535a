/* SPDX-License-Identifier: GPL-2.0 */
/* altjit-progs: what a JIT image says about its frame (frame.c), for the listing (altjit-progs.c). */
#ifndef _ALTJIT_PROGS_FRAME_H
#define _ALTJIT_PROGS_FRAME_H

#include <stdbool.h>
#include <linux/types.h>

enum scheme { S_NONE, S_STOCK, S_LEGACY, S_OPT, S_SAME, S_UNDET, S_UNKNOWN, S_MIXED, S_NR };
extern const char *const scheme_names[S_NR];

/* pushed callee-saved registers, bit n */
enum { R_RBX, R_R12, R_R13, R_R14, R_R15, R_NREGS };
extern const char *const reg_names[R_NREGS];

struct func {
	__u32 off, len;
	int prologue, epilogue;	/* bytes; -1 unknown */
	unsigned int regs;	/* pushed callee-saved registers */
	bool counter;		/* a tail-call counter slot (push rax) */
	bool tail_call;		/* counter code of a tail call in the body */
	int stack;		/* sub rsp, imm32; 0 if none */
	enum scheme scheme;
	char why[96];
};

/*
 * Fill f (off, len set) from the function's image bytes b: prologue, epilogue, pushed registers,
 * counter, scheme and why. early_exit: 1 when its xlated instructions exit before the last one,
 * 0 when not, -1 unknown.
 */
void analyse_func(struct func *f, const unsigned char *b, int early_exit);

#endif
