// SPDX-License-Identifier: GPL-2.0
/*
 * altjit-progs: the scheme and frame of one function, from its JIT image alone (how each scheme
 * is told apart: altjit-progs.c's header).
 */
#include <stdio.h>
#include <string.h>
#include "frame.h"

const char *const scheme_names[S_NR] = {
	"interpreter", "stock", "legacy", "optimized", "stock/optimized", "stock/optimized?", "unknown",
	"mixed",
};
const char *const reg_names[R_NREGS] = { "rbx", "r12", "r13", "r14", "r15" };

/* ---- image analysis ---- */

#define AT(b, len, p, ...) at(b, len, p, (const unsigned char[]){ __VA_ARGS__ }, \
			       sizeof((const unsigned char[]){ __VA_ARGS__ }))
static bool at(const unsigned char *b, __u32 len, __u32 p, const unsigned char *pat, __u32 n)
{
	return p + n <= len && !memcmp(b + p, pat, n);
}

static __s32 rd32(const unsigned char *p)
{
	__s32 v;

	memcpy(&v, p, 4);
	return v;
}

/* Parse the prologue; false when it is not one of the known frames. */
static bool parse_prologue(struct func *f, const unsigned char *b, __u32 len, bool *legacy,
			   bool *keep)
{
	__u32 p = 0;

	*legacy = *keep = false;
	if (AT(b, len, p, 0xf3, 0x0f, 0x1e, 0xfa))
		p += 4;			/* endbr64 (IBT) */
	p += 5;				/* the fentry patch site (a 5-byte nop) */
	/* optimized's keep-frame marker: xor eax,eax as 33 c0 (6.12+: 48 33 c0) */
	*keep = AT(b, len, p, 0x33, 0xc0, 0x55) || AT(b, len, p, 0x48, 0x33, 0xc0, 0x55);
	if (AT(b, len, p, 0x55, 0x48, 0x89, 0xe5))
		;			/* converted classic BPF: no counter-init slot */
	else if (AT(b, len, p + 2, 0x55, 0x48, 0x89, 0xe5))
		p += 2;			/* xor eax,eax | nop2 */
	else if (AT(b, len, p + 3, 0x55, 0x48, 0x89, 0xe5))
		p += 3;			/* xor rax,rax | nop3 (6.12) */
	else
		return false;
	p += 4;
	if (AT(b, len, p, 0xf3, 0x0f, 0x1e, 0xfa))
		p += 4;			/* the tail-call entry's endbr64 */
	if (*keep && AT(b, len, p, 0x48, 0xc1, 0xe8, 0x20, 0x48, 0x83, 0xe8))
		p += 8;			/* keep mode, 5.10/6.1: shr rax,32 ; sub rax,33 */
	if (AT(b, len, p, 0x0f, 0x1f, 0x80, 0x47, 0x4c, 0x4a, 0x41)) {
		*legacy = true;
		p += 7;
		if (AT(b, len, p, 0xf3, 0x0f, 0x1e, 0xfa))
			p += 4;		/* legacy before the 6.12 layout change: endbr64 after the marker */
		if (AT(b, len, p, 0xeb) && p + 1 < len)
			p += 2 + b[p + 1];	/* legacy, bpf2bpf calls and tail calls: over the stub */
	}
	if (AT(b, len, p, 0x48, 0x81, 0xec) && p + 7 <= len) {
		f->stack = rd32(b + p + 3);
		p += 7;
	}
	for (;;) {
		/* 6.12: counter and counter pointer (main program; legacy: after the pushes) */
		if (AT(b, len, p, 0x48, 0x83, 0xf8, 0x21, 0x77, 0x06, 0x50, 0x48, 0x89, 0xe0, 0xeb,
		       0x01)) {
			f->counter = true;
			p += 12;
		} else if (p < len && b[p] == 0x50) {
			f->counter = true;
			p++;
		} else if (p < len && b[p] == 0x53) {
			f->regs |= 1 << R_RBX;
			p++;
		} else if (p + 1 < len && b[p] == 0x41 && b[p + 1] >= 0x54 && b[p + 1] <= 0x57) {
			f->regs |= 1 << (R_R12 + b[p + 1] - 0x54);
			p += 2;
		} else {
			break;
		}
	}
	if ((*legacy || *keep) && p + 4 <= len && AT(b, len, p, 0xf3, 0x0f, 0x1e, 0xfa))
		p += 4;			/* legacy, keep mode: the tail-call entry ends the prologue */
	f->prologue = p;
	return true;
}

/* pops, leave, ret|jmp thunk [int3] starting at p; its length or -1 */
static int epilogue_at(const unsigned char *b, __u32 len, __u32 p)
{
	__u32 s = p;

	for (;;) {
		if (p < len && (b[p] == 0x5b || b[p] == 0x59))
			p++;
		else if (p + 1 < len && b[p] == 0x41 && b[p + 1] >= 0x5c && b[p + 1] <= 0x5f)
			p += 2;
		else
			break;
	}
	if (p >= len || b[p] != 0xc9)
		return -1;
	p++;
	if (p < len && b[p] == 0xc3)
		p++;
	else if (p + 5 <= len && b[p] == 0xe9)
		p += 5;
	else
		return -1;
	if (p < len && b[p] == 0xcc)
		p++;
	return p - s;
}

enum tail { T_EPILOGUE, T_JUMP_BACK, T_OTHER };

/*
 * How the function's image ends: with the epilogue (leave; ret or the return thunk), or with a jump
 * back into the function (the stock JIT's jump to its epilogue at the first exit: *target set).
 */
static enum tail image_tail(const unsigned char *b, __u32 len, __u32 *target, int *epi)
{
	__u32 e;

	/* leave; ret [int3] | leave; jmp rel32 (outside: the return thunk) [int3] */
	for (e = len; e + 2 >= len && e >= 2; e--) {
		if (e < len && b[e] != 0xcc)
			break;
		if (b[e - 1] == 0xc3 && b[e - 2] == 0xc9)
			goto epilogue;
		if (e >= 6 && b[e - 5] == 0xe9 && b[e - 6] == 0xc9) {
			long t = (long)e + rd32(b + e - 4);

			if (t < 0 || t >= (long)len)
				goto epilogue;
		}
	}
	if (len >= 2 && b[len - 2] == 0xeb) {
		long t = (long)len + (signed char)b[len - 1];

		if (t >= 0 && t < (long)len) {
			*target = t;
			return T_JUMP_BACK;
		}
	}
	if (len >= 5 && b[len - 5] == 0xe9) {
		long t = (long)len + rd32(b + len - 4);

		if (t >= 0 && t < (long)len) {
			*target = t;
			return T_JUMP_BACK;
		}
	}
	return T_OTHER;
epilogue:
	/* back over leave and the pops */
	{
		__u32 p = e - (b[e - 1] == 0xc3 ? 1 : 5) - 1;

		for (;;) {
			if (p >= 2 && b[p - 2] == 0x41 && b[p - 1] >= 0x5c && b[p - 1] <= 0x5f)
				p -= 2;
			else if (p >= 1 && (b[p - 1] == 0x5b || b[p - 1] == 0x59))
				p--;
			else
				break;
		}
		*epi = len - p;
	}
	return T_EPILOGUE;
}

/* The tail-call counter code: which JIT's form. */
static enum scheme tail_call_form(const unsigned char *b, __u32 len, bool *any)
{
	enum scheme s = S_NONE;
	__u32 p;

	*any = false;
	for (p = 0; p + 12 <= len; p++) {
		/* 5.10/6.1 stock: mov eax,[rbp+d32]; cmp eax,32|33; ja|jae; add eax,1; mov [rbp+d32],eax */
		if (b[p] == 0x8b && b[p + 1] == 0x85 && p + 19 <= len && b[p + 6] == 0x83 &&
		    b[p + 7] == 0xf8 && (b[p + 8] == 0x20 || b[p + 8] == 0x21) &&
		    (b[p + 9] == 0x73 || b[p + 9] == 0x77) && AT(b, len, p + 11, 0x83, 0xc0, 0x01, 0x89, 0x85)) {
			*any = true;
			s = s == S_OPT ? S_MIXED : S_STOCK;
		}
		/* altjit 5.10/6.1: mov rax,[rbp+d]; shr rax,32; cmp eax,33; jae */
		if (AT(b, len, p, 0x48, 0xc1, 0xe8, 0x20, 0x83, 0xf8, 0x21, 0x73) && p >= 4 &&
		    ((p >= 7 && b[p - 7] == 0x48 && b[p - 6] == 0x8b && b[p - 5] == 0x85) ||
		     (b[p - 4] == 0x48 && b[p - 3] == 0x8b && b[p - 2] == 0x45))) {
			*any = true;
			s = s == S_STOCK ? S_MIXED : S_OPT;
		}
		/* 6.12: mov rax,[rbp+d]; cmp qword [rax],33 */
		if (AT(b, len, p, 0x48, 0x83, 0x38, 0x21) && p >= 4) {
			*any = true;
			if (p >= 7 && b[p - 7] == 0x48 && b[p - 6] == 0x8b && b[p - 5] == 0x85) {
				__s32 d = rd32(b + p - 4);

				if (d >= -128 && d <= 127)	/* altjit would have used disp8 */
					s = s == S_OPT ? S_MIXED : S_STOCK;
			} else if (b[p - 4] == 0x48 && b[p - 3] == 0x8b && b[p - 2] == 0x45) {
				s = s == S_STOCK ? S_MIXED : S_OPT;
			}
		}
		/* 6.12: add qword [rax],1 then the pops (stock) or after them (altjit) */
		if (AT(b, len, p, 0x48, 0x83, 0x00, 0x01)) {
			*any = true;
			if (p + 4 < len && (b[p + 4] == 0x5b || (b[p + 4] == 0x41 && p + 5 < len &&
							   b[p + 5] >= 0x5c && b[p + 5] <= 0x5f)))
				s = s == S_OPT ? S_MIXED : S_STOCK;
			else if (AT(b, len, p + 4, 0x58, 0x58) && p >= 1 &&
				 (b[p - 1] == 0x5b || (p >= 2 && b[p - 2] == 0x41 && b[p - 1] >= 0x5c &&
						       b[p - 1] <= 0x5f)))
				s = s == S_STOCK ? S_MIXED : S_OPT;
		}
	}
	return s;
}

/*
 * One function: its frame and its scheme. early_exit: 1 when the function exits before its last
 * instruction, 0 when it does not, -1 unknown (no xlated instructions).
 */
void analyse_func(struct func *f, const unsigned char *b, int early_exit)
{
	bool legacy, keep, any_tc;
	__u32 target = 0;
	enum scheme tc;
	enum tail t;
	int epi = -1;

	f->prologue = f->epilogue = -1;
	f->scheme = S_UNKNOWN;
	if (!parse_prologue(f, b, f->len, &legacy, &keep)) {
		snprintf(f->why, sizeof(f->why), "unrecognised prologue");
		return;
	}
	t = image_tail(b, f->len, &target, &epi);
	if (t == T_EPILOGUE)
		f->epilogue = epi;
	else if (t == T_JUMP_BACK)
		f->epilogue = epilogue_at(b, f->len, target);
	tc = tail_call_form(b, f->len, &any_tc);
	f->tail_call = any_tc;
	if (legacy) {
		f->scheme = S_LEGACY;
		snprintf(f->why, sizeof(f->why), "legacy marker");
	} else if (keep) {
		f->scheme = S_OPT;
		snprintf(f->why, sizeof(f->why), "keep-frame marker (indirect tail calls)");
	} else if (t == T_JUMP_BACK) {
		f->scheme = S_STOCK;
		snprintf(f->why, sizeof(f->why), "epilogue at the first exit (offset %u)", target);
	} else if (t == T_EPILOGUE && early_exit == 1) {
		f->scheme = S_OPT;
		snprintf(f->why, sizeof(f->why), "epilogue after the last instruction, and an earlier exit");
	} else if (tc == S_STOCK || tc == S_OPT) {
		f->scheme = tc;
		snprintf(f->why, sizeof(f->why), "tail-call counter code of the %s JIT",
			 tc == S_STOCK ? "kernel's" : "altjit");
	} else if (tc == S_MIXED) {
		f->scheme = S_MIXED;
		snprintf(f->why, sizeof(f->why), "tail-call counter code of both JITs");
	} else if (t == T_EPILOGUE && early_exit == 0 && !any_tc) {
		f->scheme = S_SAME;
		snprintf(f->why, sizeof(f->why), "identical: only exit last, no tail call");
	} else if (t == T_EPILOGUE && early_exit == 0) {
		f->scheme = S_SAME;
		snprintf(f->why, sizeof(f->why), "identical: only exit last, tail-call code alike");
	} else {
		f->scheme = S_UNDET;
		snprintf(f->why, sizeof(f->why), "undetermined: %s",
			 early_exit < 0 ? "no xlated instructions" : "image end not recognised");
	}
}

