// SPDX-License-Identifier: GPL-2.0
/*
 * altjit_tailcall: altjit's own tail-call and frame suite (issue 3, points 2-4).
 *
 * Every program is built here from raw BPF instructions, so register use and stack depth are
 * exactly what the test says, and loaded as a tc (SCHED_CLS) program; runs go through
 * BPF_PROG_TEST_RUN. For each scheme the mode file offers (stock first: the control), it loads a
 * set of programs under that scheme and checks:
 *
 *   semantics  tail calls to filled, empty and out-of-range slots, with constant keys (direct,
 *              poke descriptors) and keys in a register (indirect, 64-bit keys truncated to 32);
 *              self-chains and a ping-pong chain between different frames until the counter
 *              stops them (the count is the interpreter's, and the same on every run); slot
 *              contents swapped by another thread while the program runs in a loop; bpf2bpf calls
 *              with tail calls from subprograms (the chain budget across subprograms is checked
 *              against a model of the kernel's counter: per frame before 6.10, one per chain
 *              since); every combination of R6-R9 in caller and callee (256 pairs), values kept
 *              across a tail call that falls through and across helper calls; BPF stacks of
 *              0, 8, 64, 256 and 512 bytes in caller and callee (25 pairs), contents checked after
 *              fall-through tail calls and helper calls. Results are compared with the kernel's
 *              interpreter (bpf_jit_enable=0) where it can run the program, else with known values.
 *   frames     the prologue of every program, byte for byte from the JIT image, against the
 *              layout of module/frame.c for this kernel (the stock round checks the same layout
 *              against the kernel's own JIT); which callee-saved registers and counter slots are
 *              pushed; the epilogue pops what was pushed.
 *   mixing     stock and optimized programs tail-call each other in both directions through one
 *              prog array (chains, register and stack combinations, subprogram tail calls).
 *
 * Output is kselftest TAP; the exit status is 0 iff no test point failed. The original mode and
 * bpf_jit_enable are restored at exit.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "ajtest.h"

/* ---- TAP (the rest is in ajtest.h) ---- */

/* Diagnostics of one point are capped so a broken scheme does not flood the log. */
static int diag_budget;
#define DIAG_CAP 12
static void __attribute__((format(printf, 1, 2))) diagc(const char *fmt, ...)
{
	va_list ap;

	if (diag_budget-- <= 0) {
		if (diag_budget == -1)
			diag("  (more mismatches not shown)");
		return;
	}
	va_start(ap, fmt);
	tap_vline("#   ", fmt, ap, NULL);
	va_end(ap);
}

/*
 * Progress on stderr, unbuffered: the guest script lets it through as it happens, so a guest that
 * dies shows which check was running.
 */
static void progress(const char *label, const char *what)
{
	fprintf(stderr, "# altjit_tailcall: running %s: %s\n", label, what);
}

/* ---- the kernel under test ---- */

static struct {
	int major, minor;
	bool ibt;		/* endbr64 at the entry and at the tail-call entry */
	bool wide;		/* xor rax,rax / nop3 counter-init slot; counter pointer (6.10+) */
	/*
	 * legacy takes the stock tail-call ABI and leaves programs with bpf2bpf calls and tail
	 * calls to the stock JIT (module/frame_legacy.c: where the counter goes by pointer)
	 */
	bool shared;
	int limit;		/* tail calls one chain may make */
	unsigned char nop5[5];	/* the patch-site NOP (5.10 picks it at boot: P6 or K8) */
} K;

static int kernel_init(void)
{
	struct utsname u;

	if (uname(&u) || sscanf(u.release, "%d.%d", &K.major, &K.minor) != 2)
		return -EINVAL;
	/*
	 * 6.10 moved to xor rax,rax/nop3 and a counter pointer (tail_call_cnt_ptr); the Debian 6.12
	 * kernel is built with IBT, the 6.1 and 5.10 ones are not.
	 */
	K.wide = K.major > 6 || (K.major == 6 && K.minor >= 10);
	K.ibt = K.wide;
	K.shared = K.wide;
	/* 5.10: MAX_TAIL_CALL_CNT 32, counted "> 32", so 33 as everywhere else. */
	K.limit = 33;
	return 0;
}

/* ---- raw BPF programs ---- */

enum { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 };
#define MAXI	1024

struct pb {
	struct bpf_insn in[MAXI];
	int n;
	int sub_start;		/* where the (one) subprogram starts; 0: none */
};

static void e(struct pb *p, __u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	if (p->n >= MAXI) {
		fprintf(stderr, "program too long\n");
		exit(2);
	}
	p->in[p->n++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src,
					    .off = off, .imm = imm };
}

static void mov_i(struct pb *p, int d, __s32 imm) { e(p, BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, imm); }
static void mov_r(struct pb *p, int d, int s) { e(p, BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0); }
static void alu_i(struct pb *p, int op, int d, __s32 imm) { e(p, BPF_ALU64 | op | BPF_K, d, 0, 0, imm); }
static void alu_r(struct pb *p, int op, int d, int s) { e(p, BPF_ALU64 | op | BPF_X, d, s, 0, 0); }
static void ldx(struct pb *p, int sz, int d, int s, int off) { e(p, BPF_LDX | sz | BPF_MEM, d, s, off, 0); }
static void stx(struct pb *p, int sz, int d, int off, int s) { e(p, BPF_STX | sz | BPF_MEM, d, s, off, 0); }
static void st(struct pb *p, int sz, int d, int off, __s32 imm) { e(p, BPF_ST | sz | BPF_MEM, d, 0, off, imm); }
static void call(struct pb *p, int fn) { e(p, BPF_JMP | BPF_CALL, 0, 0, 0, fn); }
static void ret(struct pb *p) { e(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

static void ld_map(struct pb *p, int d, int fd)
{
	e(p, BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd);
	e(p, 0, 0, 0, 0, 0);
}

/* Forward jumps and bpf2bpf calls: emit, then bind at the target. */
static int jcc_i(struct pb *p, int op, int d, __s32 imm)
{
	e(p, BPF_JMP | op | BPF_K, d, 0, 0, imm);
	return p->n - 1;
}

static int jcc_r(struct pb *p, int op, int d, int s)
{
	e(p, BPF_JMP | op | BPF_X, d, s, 0, 0);
	return p->n - 1;
}

static void bind(struct pb *p, int at) { p->in[at].off = p->n - at - 1; }

static int call_sub(struct pb *p)
{
	e(p, BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0);
	return p->n - 1;
}

static void bind_call(struct pb *p, int at)
{
	p->in[at].imm = p->n - at - 1;
	p->sub_start = p->n;
}

/*
 * Tail calls in subprograms need BTF function info (6.x): one FUNC for main, one for the
 * subprogram, both "int f(void)".
 */
static int btf_fd = -1;
static __u32 btf_main_id, btf_sub_id;

static int btf_init(void)
{
	struct btf *btf = btf__new_empty();
	int int_id, proto, err;

	if (!btf)
		return -errno;
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	proto = int_id > 0 ? btf__add_func_proto(btf, int_id) : int_id;
	err = proto > 0 ? btf__add_func(btf, "tc_main", BTF_FUNC_GLOBAL, proto) : proto;
	if (err > 0) {
		btf_main_id = err;
		err = btf__add_func(btf, "tc_sub", BTF_FUNC_STATIC, proto);
	}
	if (err > 0) {
		btf_sub_id = err;
		err = btf__load_into_kernel(btf);
	}
	if (!err)
		btf_fd = dup(btf__fd(btf));
	btf__free(btf);
	return err ? err : btf_fd < 0 ? -errno : 0;
}

#define CB(i)	((int)(offsetof(struct __sk_buff, cb) + 4 * (i)))
#define SEED	0x13572468u	/* skb->cb[3] of every run: stack patterns the verifier cannot know */

/* r0 = &data[0] (a 64-byte value) or goto the returned jump when NULL; uses fp-8 as the key. */
static int lookup_data(struct pb *p, int data_fd)
{
	st(p, BPF_W, R10, -8, 0);
	mov_r(p, R2, R10);
	alu_i(p, BPF_ADD, R2, -8);
	ld_map(p, R1, data_fd);
	call(p, BPF_FUNC_map_lookup_elem);
	return jcc_i(p, BPF_JEQ, R0, 0);
}

/* tail call with r1 = ctx already set: direct (constant key) or key already in r3 */
static void tail_call(struct pb *p, int pa, bool direct, __s32 key)
{
	ld_map(p, R2, pa);
	if (direct)
		mov_i(p, R3, key);
	call(p, BPF_FUNC_tail_call);
}

/* ---- frames: what each loaded function should look like ---- */

struct fexp {
	bool tc;		/* tail calls reachable (counter in the frame) */
	bool own_tc;		/* holds a tail call itself (legacy: 512-byte stack) */
	bool ind;		/* holds one whose index is in a register (optimized: keep-frame mode) */
	bool sub;		/* a subprogram */
	__u32 depth;		/* the verifier's stack depth */
	__u8 mask;		/* bit n: R(6+n) used */
};

#define MAX_FUNCS 2
struct lprog {
	int fd;
	char name[16];
	int nfunc;
	struct fexp f[MAX_FUNCS];
};

/* ---- state ---- */

static int data_fd;			/* array, 1 entry of 8 u64: [0] count, [1] [2] keys, [3] cap */
static unsigned char pkt[64];
static const char *cur_label = "";

enum { D_COUNT, D_KEY1, D_KEY2, D_CAP };

static int data_reset(__u64 key1, __u64 key2, __u64 cap)
{
	__u64 v[8] = { 0, key1, key2, cap };
	__u32 k = 0;

	return bpf_map_update_elem(data_fd, &k, v, BPF_ANY);
}

static __u64 data_get(int idx)
{
	__u64 v[8] = {};
	__u32 k = 0;

	if (bpf_map_lookup_elem(data_fd, &k, v))
		return ~0ULL;
	return v[idx];
}

static int prog_array(void)
{
	return bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "tc_pa", 4, 4, 16, NULL);
}

static bool trace;	/* -v: every slot change on stderr, before it is made */

static int slot_set(int pa, __u32 slot, int fd)
{
	if (trace)
		fprintf(stderr, "# altjit_tailcall: %s: prog array fd %d slot %u <- %s %d\n", cur_label,
			pa, slot, fd < 0 ? "delete" : "prog fd", fd);
	if (fd < 0)
		return bpf_map_delete_elem(pa, &slot) && errno != ENOENT ? -errno : 0;
	return bpf_map_update_elem(pa, &slot, &fd, BPF_ANY) ? -errno : 0;
}

static void slots_clear(int pa)
{
	__u32 i;

	for (i = 0; i < 16; i++) {
		if (trace) {
			int fd;

			if (!bpf_map_lookup_elem(pa, &i, &fd))
				fprintf(stderr, "# altjit_tailcall: %s: prog array fd %d slot %u (prog id %d): delete\n",
					cur_label, pa, i, fd);
		}
		bpf_map_delete_elem(pa, &i);
	}
}

/* One run: retval and skb->cb[0] after it. cb1, cb2 go into skb->cb[1], cb[2]; cb[3] = SEED. */
static int run(int fd, __u32 cb1, __u32 cb2, int repeat, __u32 *retval, __u32 *cb0)
{
	struct __sk_buff in = {}, out = {};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .ctx_in = &in, .ctx_size_in = sizeof(in), .ctx_out = &out,
		    .ctx_size_out = sizeof(out), .repeat = repeat);
	int err;

	in.cb[1] = cb1;
	in.cb[2] = cb2;
	in.cb[3] = SEED;
	err = bpf_prog_test_run_opts(fd, &o);
	if (err)
		return err;
	*retval = o.retval;
	if (cb0)
		*cb0 = out.cb[0];
	return 0;
}

/* Load a program; on failure show the verifier's last words. */
static int load(struct pb *p, const char *name)
{
	static char log[1 << 18];
	LIBBPF_OPTS(bpf_prog_load_opts, o);
	struct bpf_func_info fi[2] = { { 0, btf_main_id }, { p->sub_start, btf_sub_id } };
	int fd, err;

	if (p->sub_start) {
		o.prog_btf_fd = btf_fd;
		o.func_info = fi;
		o.func_info_cnt = 2;
		o.func_info_rec_size = sizeof(fi[0]);
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, name, "GPL", p->in, p->n, &o);
	if (fd >= 0)
		return fd;
	err = -errno;
	o.log_buf = log;
	o.log_size = sizeof(log);
	o.log_level = 1;
	log[0] = '\0';
	fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, name, "GPL", p->in, p->n, &o);
	if (fd >= 0)
		return fd;	/* worked the second time */
	diag("%s: load %s: %s", cur_label, name, strerror(-err));
	{
		char *lines[16] = {}, *line, *save = NULL;
		int n = 0, i;

		for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			lines[n++ % 16] = line;
		for (i = n > 16 ? n - 16 : 0; i < n; i++)
			diag("  %s", lines[i % 16]);
	}
	return err;
}

static bool prog_jited(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return !bpf_obj_get_info_by_fd(fd, &info, &len) && info.jited_prog_len > 0;
}

/* ---- the programs ---- */

/*
 * RET(v): r0 = v; exit.
 */
static int load_ret(struct lprog *lp, __u32 v)
{
	struct pb p = {};

	mov_i(&p, R0, v);
	ret(&p);
	snprintf(lp->name, sizeof(lp->name), "tc_ret");
	lp->nfunc = 1;
	lp->f[0] = (struct fexp){ 0 };
	return lp->fd = load(&p, lp->name);
}

/*
 * DISPATCH: tail-call pa[key] and return FT when that falls through. Direct: the key is the
 * constant key. Indirect: the key is data[D_KEY1], a full 64-bit value (the kernel compares its low
 * 32 bits).
 */
#define FT 0x77
static int load_dispatch(struct lprog *lp, int pa, bool direct, __s32 key)
{
	struct pb p = {};
	int null = -1;

	if (direct) {
		tail_call(&p, pa, true, key);
		/* out of the 16 slots: no poke descriptor, the kernel leaves it an indirect call */
		*lp = (struct lprog){ .nfunc = 1,
				      .f[0] = { .tc = true, .own_tc = true, .ind = (__u32)key >= 16 } };
	} else {
		mov_r(&p, R6, R1);
		null = lookup_data(&p, data_fd);
		ldx(&p, BPF_DW, R3, R0, 8 * D_KEY1);
		mov_r(&p, R1, R6);
		tail_call(&p, pa, false, 0);
		*lp = (struct lprog){ .nfunc = 1,
				      .f[0] = { .tc = true, .own_tc = true, .ind = true, .depth = 8,
					      .mask = 1 } };
	}
	mov_i(&p, R0, FT);
	ret(&p);
	if (null >= 0) {
		bind(&p, null);
		mov_i(&p, R0, -1);
		ret(&p);
	}
	snprintf(lp->name, sizeof(lp->name), direct ? "tc_disp_d" : "tc_disp_i");
	return lp->fd = load(&p, lp->name);
}

/*
 * CHAIN: count one execution in data[D_COUNT], then tail-call pa[next] (direct) or
 * pa[data[keyf]] (indirect); when that falls through (the counter is used up) return the count.
 * The frame varies: extra (bits of R7-R9 to keep live across the tail call, derived from the
 * count) and depth (a stack pattern, derived from the count, kept across it too); a clobbered
 * register or slot returns 0xbad0000 | what.
 */
static int load_chain(struct lprog *lp, int pa, bool direct, int next, int keyf, __u8 extra,
		      __u32 depth)
{
	struct pb p = {};
	int null, bad[80], nbad = 0, i, k;

	mov_r(&p, R6, R1);
	null = lookup_data(&p, data_fd);
	ldx(&p, BPF_DW, R4, R0, 8 * D_COUNT);
	alu_i(&p, BPF_ADD, R4, 1);
	stx(&p, BPF_DW, R0, 8 * D_COUNT, R4);
	if (!direct)
		ldx(&p, BPF_DW, R3, R0, 8 * keyf);
	for (i = 1; i < 4; i++)
		if (extra & (1 << i)) {
			mov_r(&p, R6 + i, R4);
			alu_i(&p, BPF_ADD, R6 + i, i * 1000);
		}
	for (k = 2; k <= (int)depth / 8; k++) {
		mov_r(&p, R5, R4);
		alu_i(&p, BPF_ADD, R5, k * 77);
		stx(&p, BPF_DW, R10, -8 * k, R5);
	}
	mov_r(&p, R1, R6);
	mov_r(&p, R6, R4);	/* the count, in R6 from here */
	tail_call(&p, pa, direct, next);
	for (i = 1; i < 4; i++)
		if (extra & (1 << i)) {
			mov_r(&p, R1, R6 + i);
			alu_r(&p, BPF_SUB, R1, R6);
			bad[nbad++] = jcc_i(&p, BPF_JNE, R1, i * 1000);
		}
	for (k = 2; k <= (int)depth / 8; k++) {
		ldx(&p, BPF_DW, R1, R10, -8 * k);
		alu_r(&p, BPF_SUB, R1, R6);
		bad[nbad++] = jcc_i(&p, BPF_JNE, R1, k * 77);
	}
	mov_r(&p, R0, R6);
	ret(&p);
	for (i = 0; i < nbad; i++) {
		bind(&p, bad[i]);
		mov_i(&p, R0, 0xbad0000 | (i + 1));
		ret(&p);
	}
	bind(&p, null);
	mov_i(&p, R0, -1);
	ret(&p);
	*lp = (struct lprog){ .nfunc = 1,
			      .f[0] = { .tc = true, .own_tc = true, .ind = !direct, .depth = depth < 8 ? 8 : depth,
					.mask = 1 | extra } };
	snprintf(lp->name, sizeof(lp->name), "tc_chain_%c", direct ? 'd' : 'i');
	return lp->fd = load(&p, lp->name);
}

/*
 * CALLER(mask): sets the R6-R9 of mask, tail-calls two empty slots (15 directly, cb[2] = 14
 * indirectly), writes a hash of the registers into skb->cb[0], then tail-calls pa[1] directly
 * (0xdead if that falls through). The context waits at fp-8.
 * CALLEE(mask): sets the R6-R9 of mask, calls a helper, returns a hash of them.
 */
#define CALLEE_SLOT	1
#define EMPTY_D		15
#define EMPTY_I		14
static __u32 caller_val(int mask, int n) { return 0x10000u * (n + 1) + 0x100u * mask + 0x11u * n; }
static __u32 callee_val(int mask, int n) { return 0x3000000u * (n + 1) + 0x40u * mask + 7u * n; }

static __u32 hash_regs(int mask, __u32 (*val)(int, int), __u32 h)
{
	int n;

	for (n = 0; n < 4; n++)
		if (mask & (1 << n))
			h = h * 31 + val(mask, n);
	return h;
}

static int load_caller(struct lprog *lp, int pa, int mask)
{
	struct pb p = {};
	int n;

	stx(&p, BPF_DW, R10, -8, R1);
	for (n = 0; n < 4; n++)
		if (mask & (1 << n))
			mov_i(&p, R6 + n, caller_val(mask, n));
	tail_call(&p, pa, true, EMPTY_D);
	ldx(&p, BPF_DW, R1, R10, -8);
	ldx(&p, BPF_W, R3, R1, CB(2));
	tail_call(&p, pa, false, 0);
	mov_i(&p, R4, 0);
	for (n = 0; n < 4; n++)
		if (mask & (1 << n)) {
			alu_i(&p, BPF_MUL, R4, 31);
			alu_r(&p, BPF_ADD, R4, R6 + n);
		}
	ldx(&p, BPF_DW, R1, R10, -8);
	stx(&p, BPF_W, R1, CB(0), R4);
	tail_call(&p, pa, true, CALLEE_SLOT);
	mov_i(&p, R0, 0xdead);
	ret(&p);
	*lp = (struct lprog){ .nfunc = 1,
			      .f[0] = { .tc = true, .own_tc = true, .ind = true, .depth = 8,
					      .mask = mask } };
	snprintf(lp->name, sizeof(lp->name), "tc_caller_%x", mask);
	return lp->fd = load(&p, lp->name);
}

static int load_callee(struct lprog *lp, int mask)
{
	struct pb p = {};
	int n;

	for (n = 0; n < 4; n++)
		if (mask & (1 << n))
			mov_i(&p, R6 + n, callee_val(mask, n));
	call(&p, BPF_FUNC_get_prandom_u32);
	mov_i(&p, R0, 0x5a);
	for (n = 0; n < 4; n++)
		if (mask & (1 << n)) {
			alu_i(&p, BPF_MUL, R0, 31);
			alu_r(&p, BPF_ADD, R0, R6 + n);
		}
	ret(&p);
	*lp = (struct lprog){ .nfunc = 1, .f[0] = { .mask = mask } };
	snprintf(lp->name, sizeof(lp->name), "tc_callee_%x", mask);
	return lp->fd = load(&p, lp->name);
}

/*
 * STACK callee S(D): fills its D bytes with SEED + 8k + D, calls a helper, checks every slot
 * (SEED reloaded from skb->cb[3], the context kept in R9); returns 0x5000 + D, or 0xbad00 | k.
 * STACK caller T(D): the same pattern (SEED ^ 0x5555), checked after a tail call to an empty slot
 * (direct, slot 15) and after a helper call, then tail-calls pa[cb[1]] (indirect); 0xdead if that
 * falls through. The context is in R6, the seed in R7.
 */
static const __u32 depths[] = { 0, 8, 64, 256, 512 };
#define NDEPTHS 5

static void fill_pattern(struct pb *p, int seed, __u32 depth)
{
	int k;

	for (k = 1; k <= (int)depth / 8; k++) {
		mov_r(p, R2, seed);
		alu_i(p, BPF_ADD, R2, 8 * k + depth);
		stx(p, BPF_DW, R10, -8 * k, R2);
	}
}

/* Check the pattern against the seed in register seed; jumps to bad[] on a mismatch. */
static void check_pattern(struct pb *p, int seed, __u32 depth, int *bad, int *nbad)
{
	int k;

	for (k = 1; k <= (int)depth / 8; k++) {
		ldx(p, BPF_DW, R2, R10, -8 * k);
		alu_r(p, BPF_SUB, R2, seed);
		bad[(*nbad)++] = jcc_i(p, BPF_JNE, R2, 8 * k + depth);
	}
}

static int load_stack_callee(struct lprog *lp, __u32 depth)
{
	struct pb p = {};
	int bad[200], nbad = 0, i;

	mov_r(&p, R9, R1);
	ldx(&p, BPF_W, R3, R9, CB(3));
	fill_pattern(&p, R3, depth);
	call(&p, BPF_FUNC_get_prandom_u32);
	ldx(&p, BPF_W, R3, R9, CB(3));
	check_pattern(&p, R3, depth, bad, &nbad);
	mov_i(&p, R0, 0x5000 + depth);
	ret(&p);
	for (i = 0; i < nbad; i++) {
		bind(&p, bad[i]);
		mov_i(&p, R0, 0xbad00 | (i + 1));
		ret(&p);
	}
	*lp = (struct lprog){ .nfunc = 1, .f[0] = { .depth = depth, .mask = 8 } };
	snprintf(lp->name, sizeof(lp->name), "tc_scallee_%u", depth);
	return lp->fd = load(&p, lp->name);
}

static int load_stack_caller(struct lprog *lp, int pa, __u32 depth)
{
	struct pb p = {};
	int bad1[80], bad2[80], n1 = 0, n2 = 0, i;

	mov_r(&p, R6, R1);
	ldx(&p, BPF_W, R7, R6, CB(3));
	alu_i(&p, BPF_XOR, R7, 0x5555);
	fill_pattern(&p, R7, depth);
	mov_r(&p, R1, R6);
	tail_call(&p, pa, true, EMPTY_D);
	check_pattern(&p, R7, depth, bad1, &n1);
	call(&p, BPF_FUNC_get_prandom_u32);
	ldx(&p, BPF_W, R7, R6, CB(3));
	alu_i(&p, BPF_XOR, R7, 0x5555);
	check_pattern(&p, R7, depth, bad2, &n2);
	mov_r(&p, R1, R6);
	ldx(&p, BPF_W, R3, R6, CB(1));
	tail_call(&p, pa, false, 0);
	mov_i(&p, R0, 0xdead);
	ret(&p);
	for (i = 0; i < n1; i++) {
		bind(&p, bad1[i]);
		mov_i(&p, R0, 0xbad100 | (i + 1));
		ret(&p);
	}
	for (i = 0; i < n2; i++) {
		bind(&p, bad2[i]);
		mov_i(&p, R0, 0xbad200 | (i + 1));
		ret(&p);
	}
	*lp = (struct lprog){ .nfunc = 1,
			      .f[0] = { .tc = true, .own_tc = true, .ind = true, .depth = depth,
					      .mask = 3 } };
	snprintf(lp->name, sizeof(lp->name), "tc_scaller_%u", depth);
	return lp->fd = load(&p, lp->name);
}

/*
 * SUBTC: bpf2bpf call with a tail call in the subprogram. main keeps R6-R9 (7, 8, 9 and the
 * context) and a stack slot (SEED from cb[3]) across the call, then returns the subprogram's
 * result + 24; the subprogram (own stack slot, R6) tail-calls pa[slot] (direct, or cb[1]
 * indirect) and returns 0x55 when that falls through.
 */
#define SUBTC_SLOT	11
static int load_subtc(struct lprog *lp, int pa, bool direct)
{
	struct pb p = {};
	int c, bad;

	mov_r(&p, R6, R1);
	mov_i(&p, R7, 7);
	mov_i(&p, R8, 8);
	mov_i(&p, R9, 9);
	ldx(&p, BPF_W, R2, R6, CB(3));
	stx(&p, BPF_DW, R10, -8, R2);
	mov_r(&p, R1, R6);
	c = call_sub(&p);
	ldx(&p, BPF_DW, R2, R10, -8);
	ldx(&p, BPF_W, R3, R6, CB(3));
	bad = jcc_r(&p, BPF_JNE, R2, R3);
	alu_r(&p, BPF_ADD, R0, R7);
	alu_r(&p, BPF_ADD, R0, R8);
	alu_r(&p, BPF_ADD, R0, R9);
	ret(&p);
	bind(&p, bad);
	mov_i(&p, R0, 0xbad);
	ret(&p);
	/* the subprogram */
	bind_call(&p, c);
	mov_r(&p, R6, R1);
	st(&p, BPF_DW, R10, -8, 0x77);
	if (!direct)
		ldx(&p, BPF_W, R3, R6, CB(1));
	tail_call(&p, pa, direct, SUBTC_SLOT);
	mov_i(&p, R0, 0x55);
	ret(&p);
	*lp = (struct lprog){ .nfunc = 2,
			      .f[0] = { .tc = true, .depth = 8, .mask = 0xf },
			      .f[1] = { .tc = true, .own_tc = true, .sub = true, .depth = 8,
					.mask = 1 } };
	snprintf(lp->name, sizeof(lp->name), "tc_subtc_%c", direct ? 'd' : 'i');
	return lp->fd = load(&p, lp->name);
}

/*
 * HIER: the chain budget across subprograms. main calls sub twice; sub counts in
 * data[D_COUNT] and, while the count is below data[D_CAP], tail-calls pa[target] (a HIER).
 */
static int load_hier(struct lprog *lp, int pa, int target)
{
	struct pb p = {};
	int c1, c2, null, stop;

	mov_r(&p, R6, R1);
	c1 = call_sub(&p);
	mov_r(&p, R1, R6);
	c2 = call_sub(&p);
	mov_i(&p, R0, 1);
	ret(&p);
	bind_call(&p, c1);
	bind_call(&p, c2);
	mov_r(&p, R6, R1);
	null = lookup_data(&p, data_fd);
	ldx(&p, BPF_DW, R1, R0, 8 * D_COUNT);
	alu_i(&p, BPF_ADD, R1, 1);
	stx(&p, BPF_DW, R0, 8 * D_COUNT, R1);
	ldx(&p, BPF_DW, R2, R0, 8 * D_CAP);
	stop = jcc_r(&p, BPF_JGE, R1, R2);
	mov_r(&p, R1, R6);
	tail_call(&p, pa, true, target);
	bind(&p, stop);
	bind(&p, null);
	mov_i(&p, R0, 0);
	ret(&p);
	*lp = (struct lprog){ .nfunc = 2,
			      .f[0] = { .tc = true, .mask = 1 },
			      .f[1] = { .tc = true, .own_tc = true, .sub = true, .depth = 8,
					.mask = 1 } };
	snprintf(lp->name, sizeof(lp->name), "tc_hier");
	return lp->fd = load(&p, lp->name);
}

/*
 * MAINTC: bpf2bpf call without tail calls in the subprogram, a tail call in main:
 * r7 = sub() (5); tail-call pa[SUBTC_SLOT]; return r7 + 0x55.
 * CALLS: bpf2bpf call, no tail calls at all: main keeps R6 across the call; returns sub + R6.
 */
static int load_maintc(struct lprog *lp, int pa)
{
	struct pb p = {};
	int c;

	mov_r(&p, R6, R1);
	c = call_sub(&p);
	mov_r(&p, R7, R0);
	mov_r(&p, R1, R6);
	tail_call(&p, pa, true, SUBTC_SLOT);
	mov_r(&p, R0, R7);
	alu_i(&p, BPF_ADD, R0, 0x55);
	ret(&p);
	bind_call(&p, c);
	mov_i(&p, R0, 5);
	ret(&p);
	*lp = (struct lprog){ .nfunc = 2,
			      .f[0] = { .tc = true, .own_tc = true, .mask = 3 },
			      .f[1] = { .sub = true } };
	snprintf(lp->name, sizeof(lp->name), "tc_maintc");
	return lp->fd = load(&p, lp->name);
}

static int load_calls(struct lprog *lp)
{
	struct pb p = {};
	int c;

	mov_i(&p, R6, 0x600);
	c = call_sub(&p);
	alu_r(&p, BPF_ADD, R0, R6);
	ret(&p);
	bind_call(&p, c);
	mov_i(&p, R0, 0x21);
	ret(&p);
	*lp = (struct lprog){ .nfunc = 2, .f[0] = { .mask = 1 }, .f[1] = { .sub = true } };
	snprintf(lp->name, sizeof(lp->name), "tc_calls");
	return lp->fd = load(&p, lp->name);
}

/* ---- expected frames (module/frame.c, the kernel's bpf_jit_comp.c) ---- */

static int put(unsigned char *b, int n, const unsigned char *s, int len)
{
	memcpy(b + n, s, len);
	return n + len;
}

static const unsigned char ENDBR[] = { 0xf3, 0x0f, 0x1e, 0xfa };
static const unsigned char NOP5_P6[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
static const unsigned char NOP5_K8[] = { 0x66, 0x66, 0x66, 0x66, 0x90 };
#define NOP5 K.nop5
static const unsigned char PUSHRBP[] = { 0x55, 0x48, 0x89, 0xe5 };
static const unsigned char MARKER[] = { 0x0f, 0x1f, 0x80, 0x47, 0x4c, 0x4a, 0x41 };
static const unsigned char PUSH[4][2] = { { 0x53 }, { 0x41, 0x55 }, { 0x41, 0x56 }, { 0x41, 0x57 } };
static const unsigned char POP[4][2] = { { 0x5b }, { 0x41, 0x5d }, { 0x41, 0x5e }, { 0x41, 0x5f } };

static int put_pushes(unsigned char *b, int n, __u8 mask)
{
	int r;

	for (r = 0; r < 4; r++)
		if (mask & (1 << r))
			n = put(b, n, PUSH[r], r ? 2 : 1);
	return n;
}

static int put_sub_rsp(unsigned char *b, int n, __u32 v)
{
	unsigned char s[7] = { 0x48, 0x81, 0xec };

	memcpy(s + 3, &v, 4);
	return put(b, n, s, 7);
}

/* 6.10+: the counter slots (counter or pointer, then pointer), as the stock JIT pushes them */
static const unsigned char CNTSEQ[] = { 0x48, 0x83, 0xf8, 0x21, 0x77, 0x06, 0x50, 0x48,
					0x89, 0xe0, 0xeb, 0x01, 0x50, 0x50 };

/*
 * A legacy function of a program that has bpf2bpf calls and tail calls: a frame of its own size;
 * its main function jumps over the stub that unwinds a borrowed frame (module/frame.c).
 */
static bool legacy_mixed(const struct lprog *lp, const struct fexp *f)
{
	return lp->nfunc > 1 && f->tc;
}

/* A program with bpf2bpf calls and tail calls: under legacy the stock JIT's where K.shared. */
static bool legacy_hands_back(const struct lprog *lp)
{
	int j;

	if (!K.shared || lp->nfunc < 2)
		return false;
	for (j = 0; j < lp->nfunc; j++)
		if (lp->f[j].tc)
			return true;
	return false;
}

/*
 * optimized's keep-frame mode (module/frame.c): a program without bpf2bpf calls with a tail call
 * (indirect, or direct: altjit follows its slot, module/tailpoke.c, on every kernel here) gets
 * legacy's frame behind the stock entries; its counter init is xor eax,eax in the 33 c0 form
 * (48 33 c0 on 6.10+), the marker other keep-mode images' tail calls look for.
 */
static bool keep_mode(bool optimized_round, const struct lprog *lp, const struct fexp *f)
{
	return optimized_round && lp->nfunc == 1 && f->own_tc;
}

/* 5.10/6.1 keep mode at the stock entry: shr rax,32 ; sub rax,33 (the slot holds count - 33) */
static const unsigned char KEEPCONV[] = { 0x48, 0xc1, 0xe8, 0x20, 0x48, 0x83, 0xe8, 0x21 };

/* The prologue a function should have under scheme (legacy, or optimized = stock, or keep mode). */
static int expect_prologue(unsigned char *b, bool legacy, bool keep, const struct lprog *lp,
			   const struct fexp *f)
{
	bool init = legacy ? !f->sub : f->tc && !f->sub;
	__u32 depth = (f->depth + 7) & ~7u;
	int n = 0;

	if (K.ibt)
		n = put(b, n, ENDBR, 4);
	n = put(b, n, NOP5, 5);
	if (keep)
		n = put(b, n, K.wide ? (const unsigned char[]){ 0x48, 0x33, 0xc0 } :
				       (const unsigned char[]){ 0x33, 0xc0 }, K.wide ? 3 : 2);
	else if (K.wide)
		n = put(b, n, init ? (const unsigned char[]){ 0x48, 0x31, 0xc0 } :
				     (const unsigned char[]){ 0x0f, 0x1f, 0x00 }, 3);
	else
		n = put(b, n, init ? (const unsigned char[]){ 0x31, 0xc0 } :
				     (const unsigned char[]){ 0x66, 0x90 }, 2);
	n = put(b, n, PUSHRBP, 4);
	if (keep) {
		if (K.ibt)
			n = put(b, n, ENDBR, 4);	/* the stock entry */
		if (!K.wide)
			n = put(b, n, KEEPCONV, sizeof(KEEPCONV));
		n = put_sub_rsp(b, n, 512);
		n = put_pushes(b, n, 0xf);
		if (K.wide)
			n = put(b, n, CNTSEQ, sizeof(CNTSEQ));
		else
			b[n++] = 0x50;
		if (K.ibt)
			n = put(b, n, ENDBR, 4);	/* the keep entry */
		return n;
	}
	if (legacy) {
		bool mixed = legacy_mixed(lp, f);
		int cnt = K.wide ? (int)sizeof(CNTSEQ) : 1, section = 7 + 7 + cnt, i;

		if (K.ibt)
			n = put(b, n, ENDBR, 4);	/* the resize entry */
		n = put(b, n, MARKER, 7);
		if (mixed && !f->sub) {
			/* jmp over: padding to the reuse entry, its stub (pops, mov rsp,rbp) */
			int stub = (K.ibt ? 4 : 0) + (K.wide ? 2 : 1) + 7 + 3;

			b[n++] = 0xeb;
			b[n++] = (unsigned char)(section - 2 + stub);
			for (i = 2; i < section; i++)
				b[n++] = 0xcc;
			if (K.ibt)
				n = put(b, n, ENDBR, 4);
			b[n++] = 0x58;
			if (K.wide)
				b[n++] = 0x58;
			for (i = 3; i >= 0; i--)
				n = put(b, n, POP[i], i ? 2 : 1);
			n = put(b, n, (const unsigned char[]){ 0x48, 0x89, 0xec }, 3);
		}
		n = put_sub_rsp(b, n, f->own_tc && !mixed ? 512 : depth);
		n = put_pushes(b, n, 0xf);
		if (K.wide)
			n = put(b, n, CNTSEQ, sizeof(CNTSEQ));
		else
			b[n++] = 0x50;
		if (K.ibt && !(mixed && !f->sub))
			n = put(b, n, ENDBR, 4);	/* the reuse entry */
		return n;
	}
	if (K.ibt)
		n = put(b, n, ENDBR, 4);
	if (depth)
		n = put_sub_rsp(b, n, depth);
	if (f->tc && K.wide && !f->sub) {
		n = put(b, n, CNTSEQ, sizeof(CNTSEQ));
	} else if (f->tc && K.wide) {
		b[n++] = 0x50;
		b[n++] = 0x50;
	} else if (f->tc) {
		b[n++] = 0x50;
	}
	return put_pushes(b, n, f->mask);
}

/* pops in reverse, then leave (keep mode: legacy's) */
static int expect_epilogue(unsigned char *b, bool legacy, const struct fexp *f)
{
	__u8 mask = legacy ? 0xf : f->mask;
	int n = 0, r;

	if (legacy)
		b[n++] = 0x59;	/* pop rcx: the counter */
	if (legacy && K.wide)
		b[n++] = 0x59;	/* and its pointer */
	for (r = 3; r >= 0; r--)
		if (mask & (1 << r))
			n = put(b, n, POP[r], r ? 2 : 1);
	b[n++] = 0xc9;
	return n;
}

/* What a prologue actually pushes: callee-saved registers, counter slots, the legacy marker. */
struct parsed {
	bool ok;
	bool marker;
	bool keep;		/* the keep-frame marker (33 c0 / 48 33 c0) */
	__u8 mask;		/* R6-R9 pushed */
	int counter;		/* push rax count (6.12's counter sequence counts its two slots) */
	bool order;		/* pushes in the order rbx, r13, r14, r15 */
};

static struct parsed parse_prologue(const unsigned char *b, __u32 len)
{
	const unsigned char *seq = CNTSEQ;
	struct parsed r = { .order = true };
	__u32 p = 0;
	int last = -1;

#define HAS(s, l) (p + (l) <= len && !memcmp(b + p, s, l))
	if (K.ibt && HAS(ENDBR, 4))
		p += 4;
	if (!HAS(NOP5, 5))
		return r;
	p += 5;
	r.keep = b[p + (K.wide ? 1 : 0)] == 0x33;
	p += K.wide ? 3 : 2;
	if (!HAS(PUSHRBP, 4))
		return r;
	p += 4;
	if (K.ibt && HAS(ENDBR, 4))
		p += 4;
	if (HAS(MARKER, 7)) {
		r.marker = true;
		p += 7;
	}
	if (HAS(KEEPCONV, sizeof(KEEPCONV)))
		p += sizeof(KEEPCONV);
	/* a legacy main function that mixes jumps over its stub to where it builds its frame */
	if (r.marker && HAS(((const unsigned char[]){ 0xeb }), 1))
		p += 2 + b[p + 1];
	if (HAS(((const unsigned char[]){ 0x48, 0x81, 0xec }), 3))
		p += 7;
	for (;;) {
		int reg = -1;

		if (K.ibt && HAS(ENDBR, 4)) {
			p += 4;
			continue;
		}
		if (HAS(seq, sizeof(CNTSEQ))) {
			r.counter += 2;
			p += sizeof(CNTSEQ);
			continue;
		}
		if (HAS(((const unsigned char[]){ 0x50 }), 1)) {
			r.counter++;
			p++;
			continue;
		}
		if (HAS(PUSH[0], 1))
			reg = 0, p += 1;
		else if (HAS(PUSH[1], 2))
			reg = 1, p += 2;
		else if (HAS(PUSH[2], 2))
			reg = 2, p += 2;
		else if (HAS(PUSH[3], 2))
			reg = 3, p += 2;
		if (reg < 0)
			break;
		if (reg <= last)
			r.order = false;
		last = reg;
		r.mask |= 1 << reg;
	}
#undef HAS
	r.ok = true;
	return r;
}

static void hex(char *out, size_t size, const unsigned char *b, int n)
{
	size_t o = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < n && o + 4 < size; i++)
		o += snprintf(out + o, size - o, "%s%02x", i ? " " : "", b[i]);
}

static bool mem_has(const unsigned char *h, __u32 hl, const unsigned char *n, int nl)
{
	__u32 i;

	for (i = 0; i + nl <= hl; i++)
		if (!memcmp(h + i, n, nl))
			return true;
	return false;
}

/*
 * Frame points for a set of programs compiled by one scheme: exact prologue bytes, the pushes
 * (and counter), the epilogue; in the legacy round every function has the legacy frame.
 */
static void check_frames(const char *label, struct lprog **progs, int nprogs, bool legacy_round,
			 bool optimized_round)
{
	int nf = 0, nkeep = 0, bad_exact = 0, bad_push = 0, bad_epi = 0, bad_img = 0, i, j;
	char x1[320], x2[320];

	diag_budget = DIAG_CAP;
	for (i = 0; i < nprogs; i++) {
		const struct lprog *lp = progs[i];
		bool legacy = legacy_round && !legacy_hands_back(lp);
		struct jit_image im;
		__u32 off = 0;

		if (lp->fd < 0)
			continue;
		if (jit_image_get(lp->fd, &im) || !im.len || im.nfunc != (__u32)lp->nfunc) {
			bad_img++;
			diagc("%s: no JIT image with %d functions (jited %d, %u functions)",
			      lp->name, lp->nfunc, im.len > 0, im.nfunc);
			jit_image_free(&im);
			continue;
		}
		for (j = 0; j < lp->nfunc; j++) {
			const unsigned char *b = im.bytes + off;
			__u32 len = im.func_len[j];
			unsigned char want[96], epi[16];
			bool keep = keep_mode(optimized_round, lp, &lp->f[j]);
			int wn = expect_prologue(want, legacy, keep, lp, &lp->f[j]);
			int en = expect_epilogue(epi, legacy || keep, &lp->f[j]);
			struct parsed pr = parse_prologue(b, len);
			__u8 want_mask = legacy || keep ? 0xf : lp->f[j].mask;
			int want_cnt = legacy || keep ? (K.wide ? 2 : 1) : !lp->f[j].tc ? 0 : K.wide ? 2 : 1;

			nf++;
			off += len;
			if (len < (__u32)wn || memcmp(b, want, wn)) {
				bad_exact++;
				hex(x1, sizeof(x1), want, wn);
				hex(x2, sizeof(x2), b, len < (__u32)wn + 4 ? (int)len : wn + 4);
				diagc("%s func %d: prologue want %s", lp->name, j, x1);
				diagc("%s func %d:            got  %s", lp->name, j, x2);
			}
			nkeep += keep;
			if (!pr.ok || pr.mask != want_mask || pr.counter != want_cnt || !pr.order ||
			    pr.marker != legacy || pr.keep != keep) {
				bad_push++;
				diagc("%s func %d: pushes R6-R9 mask %#x (want %#x), %d counter slots (want %d), order %s, marker %d (want %d), keep marker %d (want %d)%s",
				      lp->name, j, pr.mask, want_mask, pr.counter, want_cnt,
				      pr.order ? "ok" : "wrong", pr.marker, legacy, pr.keep, keep,
				      pr.ok ? "" : " (prologue not recognized)");
			}
			if (!mem_has(b, len, epi, en)) {
				bad_epi++;
				hex(x1, sizeof(x1), epi, en);
				diagc("%s func %d: no epilogue '%s' (pops, leave)", lp->name, j, x1);
			}
		}
		jit_image_free(&im);
	}
	point(!bad_img && !bad_exact && (!optimized_round || nkeep > 0),
	      "%s: frames: %d functions (%d in optimized's keep-frame mode), prologue bytes exactly as the %s layout for this kernel",
	      label, nf, nkeep, legacy_round ? "legacy" : "stock/optimized");
	if (legacy_round)
		point(!bad_img && !bad_push,
		      "%s: frames: every legacy function pushes rbx, r13, r14, r15 and the counter and carries the marker",
		      label);
	else
		point(!bad_img && !bad_push,
		      "%s: frames: each function pushes exactly the R6-R9 it uses, a counter only with tail calls, no legacy marker (keep-frame mode: all four, the counter, the keep marker)",
		      label);
	point(!bad_img && !bad_epi, "%s: frames: each epilogue pops what its prologue pushed, then leave",
	      label);
}

/* ---- one scheme's program set ---- */

#define NRET 2
struct set {
	const char *scheme;
	bool interp;
	int pa;
	struct lprog ret[NRET];			/* slots 0, 1: 0x100, 0x101 */
	struct lprog disp_d[6], disp_i;
	struct lprog chain_d, chain_i;		/* self chains: slot 4 (direct), slot 5 (indirect) */
	struct lprog pp_d[2], pp_i[2];		/* ping-pong: slots 6 and 7 */
	struct lprog caller[16], callee[16];
	struct lprog scaller[NDEPTHS], scallee[NDEPTHS];
	struct lprog subtc_d, subtc_i, hier, hier_x, maintc, calls;
	bool have_subtc;
};

static const __s32 direct_keys[6] = { 0, 1, 3, 16, 100, -1 };
static const __u64 indirect_keys[8] = { 0, 1, 3, 16, 100, 0xffffffffULL, 0x100000001ULL,
					0xffffffff00000000ULL };

#define CHAIN_D_SLOT	4
#define CHAIN_I_SLOT	5
#define PP_A		6
#define PP_B		7
#define SWAP_SLOT	12
#define HIER_SLOT	13
#define HX_STOCK	2	/* mixed hierarchy: the stock HIER sits here, calls HX_OPT */
#define HX_OPT		3

static void set_init(struct set *s)
{
	struct lprog *all = (struct lprog *)&s->ret[0];
	size_t i, n = (offsetof(struct set, have_subtc) - offsetof(struct set, ret)) /
		      sizeof(struct lprog);

	for (i = 0; i < n; i++)
		all[i].fd = -1;
}

static void set_close(struct set *s)
{
	struct lprog *all = (struct lprog *)&s->ret[0];
	size_t i, n = (offsetof(struct set, have_subtc) - offsetof(struct set, ret)) /
		      sizeof(struct lprog);

	for (i = 0; i < n; i++)
		if (all[i].fd >= 0) {
			close(all[i].fd);
			all[i].fd = -1;
		}
}

/* The programs every round has; false when one did not load (reported by load()). */
static bool load_common(struct set *s)
{
	bool good = true;
	int i;

	for (i = 0; i < NRET; i++)
		good &= load_ret(&s->ret[i], 0x100 + i) >= 0;
	for (i = 0; i < 6; i++)
		good &= load_dispatch(&s->disp_d[i], s->pa, true, direct_keys[i]) >= 0;
	good &= load_dispatch(&s->disp_i, s->pa, false, 0) >= 0;
	good &= load_chain(&s->chain_d, s->pa, true, CHAIN_D_SLOT, 0, 0, 8) >= 0;
	good &= load_chain(&s->chain_i, s->pa, false, 0, D_KEY1, 0, 8) >= 0;
	/* ping-pong between different frames: A keeps R7-R9 and 256 bytes, B keeps nothing */
	good &= load_chain(&s->pp_d[0], s->pa, true, PP_B, 0, 0xe, 256) >= 0;
	good &= load_chain(&s->pp_d[1], s->pa, true, PP_A, 0, 0, 8) >= 0;
	good &= load_chain(&s->pp_i[0], s->pa, false, 0, D_KEY1, 0xe, 256) >= 0;
	good &= load_chain(&s->pp_i[1], s->pa, false, 0, D_KEY2, 0, 8) >= 0;
	for (i = 0; i < NDEPTHS; i++) {
		good &= load_stack_callee(&s->scallee[i], depths[i]) >= 0;
		good &= load_stack_caller(&s->scaller[i], s->pa, depths[i]) >= 0;
	}
	return good;
}

static bool load_jit_only(struct set *s)
{
	bool good = true;
	int i;

	for (i = 0; i < 16; i++) {
		good &= load_caller(&s->caller[i], s->pa, i) >= 0;
		good &= load_callee(&s->callee[i], i) >= 0;
	}
	return good;
}

/* ---- checks ---- */

/* The interpreter's results, the reference for the semantics points. */
static struct {
	bool have;
	__u32 disp_d[6], disp_i[8];
	__u32 chain_d, chain_i, pp_d, pp_i;
	__u32 stack[NDEPTHS][NDEPTHS];
} ref;


/* got vs want (and the interpreter's value when there is one) */
static void check_val(const char *label, const char *what, int err, __u32 got, __u32 known,
		      bool have_ref, __u32 refv)
{
	bool pass = !err && got == known && (!have_ref || refv == known);

	point(pass, "%s: %s returns %#x (%s)", label, what, known,
	      have_ref ? "interpreter agrees" : "known value");
	if (err)
		diag("  BPF_PROG_TEST_RUN: %s", strerror(-err));
	else if (got != known)
		diag("  got %#x, want %#x", got, known);
	if (have_ref && refv != known)
		diag("  the interpreter returned %#x", refv);
}

static __u32 dispatch_known(__u64 key)
{
	__u32 k = (__u32)key;

	return k == 0 ? 0x100 : k == 1 ? 0x101 : FT;
}

/* Semantics of plain tail calls: filled, empty, out-of-range slots, direct and indirect. */
static void check_dispatch(struct set *s, const char *label, bool record)
{
	__u32 r;
	int i, err;

	slots_clear(s->pa);
	for (i = 0; i < NRET; i++)
		slot_set(s->pa, i, s->ret[i].fd);
	for (i = 0; i < 6; i++) {
		char what[80];

		err = run(s->disp_d[i].fd, 0, 0, 1, &r, NULL);
		if (record) {
			ref.disp_d[i] = err ? ~0u : r;
			continue;
		}
		snprintf(what, sizeof(what), "direct tail call, key %d (%s)", direct_keys[i],
			 direct_keys[i] < 2 && direct_keys[i] >= 0 ? "filled slot" :
			 direct_keys[i] == 3 ? "empty slot" : "out of range");
		check_val(label, what, err, r, dispatch_known((__u32)direct_keys[i]), ref.have,
			  ref.disp_d[i]);
	}
	for (i = 0; i < 8; i++) {
		char what[96];

		data_reset(indirect_keys[i], 0, 0);
		err = run(s->disp_i.fd, 0, 0, 1, &r, NULL);
		if (record) {
			ref.disp_i[i] = err ? ~0u : r;
			continue;
		}
		snprintf(what, sizeof(what), "indirect tail call, key %#llx (%s)",
			 (unsigned long long)indirect_keys[i],
			 dispatch_known(indirect_keys[i]) != FT ? "filled slot" :
			 (__u32)indirect_keys[i] == 3 ? "empty slot" : "out of range");
		check_val(label, what, err, r, dispatch_known(indirect_keys[i]), ref.have,
			  ref.disp_i[i]);
	}
	slots_clear(s->pa);
}

/*
 * A chain: returns the count at fall-through; 3 runs in one BPF_PROG_TEST_RUN must count three
 * times that (the counter starts over at each entry).
 */
static int chain_run(int fd, __u64 key1, __u64 key2, __u32 *count, __u64 *total3)
{
	__u32 r;
	int err;

	data_reset(key1, key2, 0);
	err = run(fd, 0, 0, 1, count, NULL);
	if (err)
		return err;
	if (data_get(D_COUNT) != *count)
		*count = 0xc0c0;	/* the map and the return value disagree */
	data_reset(key1, key2, 0);
	err = run(fd, 0, 0, 3, &r, NULL);
	*total3 = data_get(D_COUNT);
	return err;
}

static void check_chain(const char *label, const char *what, int err, __u32 count, __u64 total3,
			bool have_ref, __u32 refv)
{
	__u32 want = K.limit + 1;

	point(!err && count == want && (!have_ref || refv == want),
	      "%s: %s: %d tail calls, then the counter stops it (%s: %d)", label, what, K.limit,
	      have_ref ? "interpreter agrees" : "known value", have_ref ? (int)refv - 1 : K.limit);
	if (err)
		diag("  BPF_PROG_TEST_RUN: %s", strerror(-err));
	else if (count != want)
		diag("  ran %u times, want %u (1 + %d tail calls)", count, want, K.limit);
	if (have_ref && refv != want)
		diag("  the interpreter ran it %u times", refv);
	point(!err && total3 == 3ULL * want,
	      "%s: %s: three runs in one BPF_PROG_TEST_RUN count %u (the counter starts over)",
	      label, what, 3 * want);
	if (!err && total3 != 3ULL * want)
		diag("  counted %llu", (unsigned long long)total3);
}

static void check_chains(struct set *s, const char *label, bool record)
{
	__u32 c;
	__u64 t;
	int err;

	slots_clear(s->pa);
	slot_set(s->pa, CHAIN_D_SLOT, s->chain_d.fd);
	slot_set(s->pa, CHAIN_I_SLOT, s->chain_i.fd);
	err = chain_run(s->chain_d.fd, CHAIN_I_SLOT, 0, &c, &t);
	if (record)
		ref.chain_d = err ? 0 : c;
	else
		check_chain(label, "self chain, direct", err, c, t, ref.have, ref.chain_d);
	err = chain_run(s->chain_i.fd, CHAIN_I_SLOT, 0, &c, &t);
	if (record)
		ref.chain_i = err ? 0 : c;
	else
		check_chain(label, "self chain, indirect", err, c, t, ref.have, ref.chain_i);

	slot_set(s->pa, PP_A, s->pp_d[0].fd);
	slot_set(s->pa, PP_B, s->pp_d[1].fd);
	err = chain_run(s->pp_d[0].fd, 0, 0, &c, &t);
	if (record)
		ref.pp_d = err ? 0 : c;
	else
		check_chain(label, "ping-pong chain (R6-R9 + 256 B <-> R6 + 8 B), direct", err, c, t,
			    ref.have, ref.pp_d);
	slot_set(s->pa, PP_A, s->pp_i[0].fd);
	slot_set(s->pa, PP_B, s->pp_i[1].fd);
	err = chain_run(s->pp_i[0].fd, PP_B, PP_A, &c, &t);
	if (record)
		ref.pp_i = err ? 0 : c;
	else
		check_chain(label, "ping-pong chain (R6-R9 + 256 B <-> R6 + 8 B), indirect", err, c,
			    t, ref.have, ref.pp_i);
	slots_clear(s->pa);
}

/* 16 x 16: callers of set a, callees of set b, through prog array pa (both sit there). */
static void check_regs(struct set *a, struct set *b, int pa, const char *label)
{
	int mc, mt, bad = 0, runs = 0, err;
	__u32 r, cb0;

	diag_budget = DIAG_CAP;
	slots_clear(pa);
	for (mt = 0; mt < 16; mt++) {
		if (slot_set(pa, CALLEE_SLOT, b->callee[mt].fd)) {
			bad++;
			diagc("callee %#x: prog array update: %s", mt, strerror(errno));
			continue;
		}
		for (mc = 0; mc < 16; mc++) {
			__u32 want_r = hash_regs(mt, callee_val, 0x5a);
			__u32 want_cb = hash_regs(mc, caller_val, 0);

			runs++;
			err = run(a->caller[mc].fd, 0, EMPTY_I, 2, &r, &cb0);
			if (err || r != want_r || cb0 != want_cb) {
				bad++;
				if (err)
					diagc("caller R6-R9 %#x -> callee %#x: %s", mc, mt,
					      strerror(-err));
				else
					diagc("caller R6-R9 %#x -> callee %#x: returned %#x (want %#x), caller's registers after fall-through %#x (want %#x)",
					      mc, mt, r, want_r, cb0, want_cb);
			}
		}
	}
	slots_clear(pa);
	point(!bad && runs == 256,
	      "%s: R6-R9 in caller x callee, 16 x 16: caller's registers kept across tail calls that fall through, callee's across a helper call",
	      label);
}

/* 5 x 5 stack depths: callers of set a, callees of set b; standalone callees first. */
static void check_stacks(struct set *a, struct set *b, int pa, const char *label, bool record)
{
	int i, j, bad = 0, err;
	__u32 r;

	diag_budget = DIAG_CAP;
	slots_clear(pa);
	for (j = 0; j < NDEPTHS; j++) {
		err = run(b->scallee[j].fd, 0, 0, 1, &r, NULL);
		if (!record && (err || r != 0x5000 + depths[j])) {
			bad++;
			diagc("callee alone, %u bytes: returned %#x (%s)", depths[j], r,
			      err ? strerror(-err) : "want 0x5000 + depth");
		}
		slot_set(pa, CALLEE_SLOT, b->scallee[j].fd);
		for (i = 0; i < NDEPTHS; i++) {
			__u32 want = 0x5000 + depths[j];

			if (record && depths[j] > depths[i]) {
				/*
				 * The interpreter runs a chain in the entry program's stack buffer, and
				 * 6.12 drops the 512-byte stack the verifier gives interpreted programs
				 * with tail calls (do_misc_fixups resets aux->stack_depth): a deeper
				 * callee would overrun it. Known value only.
				 */
				ref.stack[i][j] = want;
				continue;
			}
			err = run(a->scaller[i].fd, CALLEE_SLOT, 0, 1, &r, NULL);
			if (record) {
				ref.stack[i][j] = err ? ~0u : r;
				continue;
			}
			if (err || r != want || (ref.have && ref.stack[i][j] != want)) {
				bad++;
				diagc("caller %u bytes -> callee %u bytes: returned %#x, want %#x%s",
				      depths[i], depths[j], err ? ~0u : r, want,
				      ref.have && ref.stack[i][j] != want ? " (interpreter disagrees)" : "");
			}
		}
	}
	slots_clear(pa);
	if (!record)
		point(!bad,
		      "%s: stack depths 0/8/64/256/512 in caller x callee (5 x 5): contents kept across fall-through tail calls and helper calls (%s)",
		      label, ref.have ? "interpreter where the caller's stack is the deeper, else known value" :
					"known value");
}

/* ---- slot swapping while programs run ---- */

struct swapper {
	int pa, fds[4];
	volatile bool stop;
	long updates;
	int err;
};

static void *swap_thread(void *arg)
{
	struct swapper *sw = arg;
	__u32 slot = SWAP_SLOT;
	long i = 0;

	while (!sw->stop) {
		int k = i % 5;	/* the four programs in turn, then empty */

		if (k < 4) {
			if (bpf_map_update_elem(sw->pa, &slot, &sw->fds[k], BPF_ANY)) {
				sw->err = -errno;
				break;
			}
		} else if (bpf_map_delete_elem(sw->pa, &slot) && errno != ENOENT) {
			sw->err = -errno;
			break;
		}
		i++;
		sched_yield();	/* let the runner see each state */
	}
	sw->updates = i;
	return NULL;
}

/*
 * r0 = v after a direct tail call into EMPTY_D (always empty): under optimized a keep-mode image
 * (a direct dispatcher's own jump enters it at its keep entry), under the others a plain one.
 */
static int load_keep_ret(struct lprog *lp, int pa, __u32 v)
{
	struct pb p = {};

	tail_call(&p, pa, true, EMPTY_D);
	mov_i(&p, R0, v);
	ret(&p);
	snprintf(lp->name, sizeof(lp->name), "tc_keep_ret");
	*lp = (struct lprog){ .nfunc = 1, .f[0] = { .tc = true, .own_tc = true } };
	return lp->fd = load(&p, lp->name);
}

static void check_swapping(struct set *s, const char *label)
{
	struct lprog dd = { .fd = -1 }, kr[2] = { { .fd = -1 }, { .fd = -1 } };
	struct swapper sw = { .pa = s->pa };
	int pass, err = 0;


	slots_clear(s->pa);
	/*
	 * The direct dispatcher is loaded while its slot holds a keep-mode program: its own jump
	 * starts at that program's keep entry (fixup time), and each update must move it.
	 */
	if (load_keep_ret(&kr[0], s->pa, 0x102) < 0 || load_keep_ret(&kr[1], s->pa, 0x103) < 0 ||
	    slot_set(s->pa, SWAP_SLOT, kr[0].fd) || load_dispatch(&dd, s->pa, true, SWAP_SLOT) < 0) {
		point(false, "%s: load the swap test's direct dispatcher and targets", label);
		goto out;
	}
	/* 0x100, 0x101: no tail call (lean); 0x102, 0x103: keep mode under optimized */
	sw.fds[0] = s->ret[0].fd;
	sw.fds[1] = s->ret[1].fd;
	sw.fds[2] = kr[0].fd;
	sw.fds[3] = kr[1].fd;
	/*
	 * First in turns: every transition of the slot (empty -> filled, filled -> other program,
	 * filled -> same program, filled -> empty), each followed by a run of both dispatchers.
	 */
	{
		static const int seq[] = { 0, 1, -1, 1, 0, 0, -1, -1, 0, 1, 1, -1,
					   2, 3, 0, 2, -1, 3, 1, 3, 2, 2, -1, 2 };
		static const char *const names[] = { "0x100", "0x101", "0x102 (keep)", "0x103 (keep)" };
		int bad = 0, r_i, i;
		__u32 r;

		diag_budget = DIAG_CAP;
		data_reset(SWAP_SLOT, 0, 0);
		for (r_i = 0; r_i < 10; r_i++)
			for (i = 0; i < (int)(sizeof(seq) / sizeof(seq[0])); i++) {
				int k = seq[i], d;
				__u32 want = k < 0 ? FT : 0x100 + k;

				if (slot_set(s->pa, SWAP_SLOT, k < 0 ? -1 : sw.fds[k])) {
					bad++;
					diagc("slot update %d: %s", i, strerror(errno));
					continue;
				}
				for (d = 0; d < 2; d++) {
					err = run(d ? s->disp_i.fd : dd.fd, 0, 0, 1, &r, NULL);
					if (err || r != want) {
						bad++;
						diagc("step %d (%s after %s), %s: returned %#x, want %#x",
						      i, k < 0 ? "empty" : names[k],
						      i ? (seq[i - 1] < 0 ? "empty" : names[seq[i - 1]]) : "start",
						      d ? "indirect" : "direct", err ? ~0u : r, want);
					}
				}
			}
		point(!bad,
		      "%s: slot filled, replaced, re-set and emptied in turns, between plain and keep-mode targets (240 steps): direct and indirect tail calls follow every change",
		      label);
	}
	for (pass = 0; pass < 2; pass++) {
		int fd = pass ? s->disp_i.fd : dd.fd;
		long seen[5] = {}, bad = 0, runs = 0;
		pthread_t th;
		double t0;
		__u32 r;

		data_reset(SWAP_SLOT, 0, 0);
		sw.stop = false;
		sw.err = 0;
		if (pthread_create(&th, NULL, swap_thread, &sw)) {
			point(false, "%s: start the slot-swapping thread", label);
			break;
		}
		t0 = now();
		while (now() - t0 < 1.5 || runs < 200) {
			err = run(fd, 0, 0, 1, &r, NULL);
			if (err)
				break;
			runs++;
			if (r >= 0x100 && r <= 0x103)
				seen[r - 0x100]++;
			else if (r == FT)
				seen[4]++;
			else if (bad++ < 5)
				diag("  run %ld returned %#x", runs, r);
		}
		sw.stop = true;
		pthread_join(th, NULL);
		point(!err && !sw.err && !bad && runs > 0 && sw.updates > 0,
		      "%s: %s tail call while another thread swaps the slot: every result is one of the slot's programs or the fall-through",
		      label, pass ? "indirect" : "direct");
		diag("  %ld runs: %ld x 0x100, %ld x 0x101, %ld x 0x102, %ld x 0x103, %ld fall-through, %ld other; %ld slot updates%s%s",
		     runs, seen[0], seen[1], seen[2], seen[3], seen[4], bad, sw.updates, err ? "; run: " : "",
		     err ? strerror(-err) : "");
		if (sw.err)
			diag("  slot update: %s", strerror(-sw.err));
	}
out:
	if (dd.fd >= 0)
		close(dd.fd);
	if (kr[0].fd >= 0)
		close(kr[0].fd);
	if (kr[1].fd >= 0)
		close(kr[1].fd);
	slots_clear(s->pa);
}

/* ---- the chain budget across subprograms: a model of the kernel's counter ---- */

static long model_count, model_cap;
static int model_tcc;	/* 6.10+: one counter per chain */

static void model_main(int tcc);

static void model_sub(int tcc)
{
	model_count++;
	if (model_count >= model_cap)
		return;
	if (K.wide) {
		if (model_tcc >= K.limit)
			return;
		model_tcc++;
		model_main(0);
	} else {
		if (tcc >= K.limit)
			return;
		model_main(tcc + 1);
	}
}

static void model_main(int tcc)
{
	model_sub(tcc);
	model_sub(tcc);
}

static long hier_expect(long cap)
{
	model_count = 0;
	model_cap = cap;
	model_tcc = 0;
	model_main(0);
	return model_count;
}

#define HIER_CAP 200

static void run_hier(int entry_fd, const char *label, const char *what)
{
	long want = hier_expect(HIER_CAP);
	__u64 got;
	__u32 r;
	int err;

	data_reset(0, 0, HIER_CAP);
	err = run(entry_fd, 0, 0, 1, &r, NULL);
	got = data_get(D_COUNT);
	point(!err && r == 1 && got == (__u64)want,
	      "%s: %s: subprograms count %ld runs (%s counter, %d tail calls)", label, what, want,
	      K.wide ? "one per chain" : "per-frame", K.limit);
	if (err)
		diag("  BPF_PROG_TEST_RUN: %s", strerror(-err));
	else if (r != 1 || got != (__u64)want)
		diag("  returned %u, counted %llu", r, (unsigned long long)got);
}

/*
 * bpf2bpf calls and tail calls: every scheme compiles them (legacy since issue 16: frames of
 * their own size, module/frame_legacy.c), in the prog array of the set's other programs; from
 * 6.10 on (K.shared) legacy hands them to the stock JIT, and they share that prog array with
 * the set's legacy programs.
 */
static void check_subprogs(struct set *s, const char *label, bool legacy)
{
	long long u0 = read_stat("handed_back_unsupported"), l0 = read_stat("legacy_jited"), u1, l1;
	int pa = s->pa, err, i;
	bool good;
	__u32 r;

	good = load_subtc(&s->subtc_d, pa, true) >= 0;
	good &= load_subtc(&s->subtc_i, pa, false) >= 0;
	good &= load_hier(&s->hier, pa, HIER_SLOT) >= 0;
	good &= load_maintc(&s->maintc, pa) >= 0;
	s->have_subtc = good;
	point(good, "%s: load programs with bpf2bpf calls and tail calls (4)", label);
	if (legacy) {
		u1 = read_stat("handed_back_unsupported");
		l1 = read_stat("legacy_jited");
		diag("  handed_back_unsupported +%lld, legacy_jited +%lld", u1 - u0, l1 - l0);
		/* two functions each (and the extra pass of each) */
		if (K.shared)
			point(good && u1 - u0 == 4 && l1 == l0,
			      "%s: 6.10+: all of them handed to the stock JIT (handed_back_unsupported +%lld, want 4; legacy_jited +%lld, want 0)",
			      label, u1 - u0, l1 - l0);
		else
			point(good && u1 == u0 && l1 - l0 >= 8,
			      "%s: all of them compiled legacy (legacy_jited +%lld, want >= 8; handed_back_unsupported +%lld, want 0)",
			      label, l1 - l0, u1 - u0);
	}
	if (!good)
		return;
	slots_clear(pa);
	for (i = 0; i < 2; i++) {
		struct lprog *lp = i ? &s->subtc_i : &s->subtc_d;
		const char *how = i ? "indirect" : "direct";
		char what[96];

		err = run(lp->fd, SUBTC_SLOT, 0, 1, &r, NULL);
		check_val(label, i ? "tail call from a subprogram (indirect), empty slot" :
				     "tail call from a subprogram (direct), empty slot",
			  err, r, 0x55 + 24, false, 0);
		slot_set(pa, SUBTC_SLOT, s->ret[0].fd);
		err = run(lp->fd, SUBTC_SLOT, 0, 1, &r, NULL);
		slot_set(pa, SUBTC_SLOT, -1);
		snprintf(what, sizeof(what),
			 "tail call from a subprogram (%s) to 0x100, main's R6-R9 and stack kept", how);
		check_val(label, what, err, r, 0x100 + 24, false, 0);
	}
	err = run(s->maintc.fd, 0, 0, 1, &r, NULL);
	check_val(label, "main with a tail call and a plain subprogram, empty slot", err, r,
		  5 + 0x55, false, 0);
	slot_set(pa, SUBTC_SLOT, s->ret[1].fd);
	err = run(s->maintc.fd, 0, 0, 1, &r, NULL);
	slot_set(pa, SUBTC_SLOT, -1);
	check_val(label, "main with a tail call and a plain subprogram, to 0x101", err, r, 0x101,
		  false, 0);
	slot_set(pa, HIER_SLOT, s->hier.fd);
	run_hier(s->hier.fd, label, "tail calls from subprograms called twice per program");
	slot_set(pa, HIER_SLOT, -1);
}

static void check_calls(struct set *s, const char *label)
{
	__u32 r;
	int err;

	if (load_calls(&s->calls) < 0) {
		point(false, "%s: load a program with a bpf2bpf call", label);
		return;
	}
	err = run(s->calls.fd, 0, 0, 1, &r, NULL);
	check_val(label, "bpf2bpf call without tail calls (R6 kept across it)", err, r, 0x621,
		  false, 0);
}

/* ---- rounds ---- */

static struct set sets[4];	/* interpreter, then one per scheme */

static bool switch_mode(const char *scheme)
{
	char cur[NAME_LEN];
	int err = set_mode(scheme, cur);

	point(!err && !strcmp(cur, scheme), "%s: switch mode", scheme);
	if (err || strcmp(cur, scheme)) {
		diag("  write: %s; mode now [%s]", err ? strerror(-err) : "ok", cur);
		return false;
	}
	return true;
}

/* The interpreter's results: load with bpf_jit_enable=0, run, restore. */
static void reference_round(void)
{
	struct set *s = &sets[0];
	bool good, interp;
	int err;

	memset(&ref, 0, sizeof(ref));
	set_init(s);
	s->scheme = "interpreter";
	s->interp = true;
	cur_label = "interpreter";
	if (!orig_jit[0] || (err = write_text(JIT_ENABLE, "0"))) {
		skip("cannot turn the JIT off (CONFIG_BPF_JIT_ALWAYS_ON?)",
		     "interpreter: load the reference programs with bpf_jit_enable=0");
		return;
	}
	s->pa = prog_array();
	good = s->pa >= 0 && load_common(s);
	write_text(JIT_ENABLE, orig_jit);
	interp = good && !prog_jited(s->ret[0].fd) && !prog_jited(s->chain_d.fd);
	point(good && interp,
	      "interpreter: load the reference programs with bpf_jit_enable=0 (not JIT'ed)");
	if (!good || !interp) {
		set_close(s);
		return;
	}
	progress("interpreter", "reference runs");
	check_dispatch(s, "interpreter", true);
	check_chains(s, "interpreter", true);
	check_stacks(s, s, s->pa, "interpreter", true);
	ref.have = true;
	diag("interpreter: self chains ran %u/%u times, ping-pong %u/%u (direct/indirect)",
	     ref.chain_d, ref.chain_i, ref.pp_d, ref.pp_i);
	set_close(s);
	close(s->pa);
}

static int pa_main;	/* stock and optimized programs share it */

static void scheme_round(struct set *s, const char *scheme)
{
	bool legacy = !strcmp(scheme, "legacy");
	char stat[NAME_LEN + 8];
	long long j0, j1;
	int nprog = 0, i;
	struct lprog *all[96];
	bool good;

	diag("=== %s", scheme);
	set_init(s);
	s->scheme = scheme;
	cur_label = scheme;
	if (!switch_mode(scheme))
		return;
	s->pa = legacy ? prog_array() : pa_main;
	snprintf(stat, sizeof(stat), "%s_jited", scheme);
	j0 = read_stat(stat);
	good = s->pa >= 0 && load_common(s) && load_jit_only(s);
	j1 = read_stat(stat);
	point(good, "%s: load the test programs", scheme);
	if (!good)
		return;
	/* 57 single-function programs, each one JIT request */
	if (strcmp(scheme, "stock"))
		point(j1 - j0 == 57, "%s: every test program compiled by the %s scheme (%s +%lld, want 57)",
		      scheme, scheme, stat, j1 - j0);

	progress(scheme, "tail calls to filled, empty, out-of-range slots");
	check_dispatch(s, scheme, false);
	progress(scheme, "chains");
	check_chains(s, scheme, false);
	progress(scheme, "slot changes while running");
	check_swapping(s, scheme);
	progress(scheme, "R6-R9 combinations");
	check_regs(s, s, s->pa, scheme);
	progress(scheme, "stack depths");
	check_stacks(s, s, s->pa, scheme, false);
	progress(scheme, "bpf2bpf calls and tail calls");
	check_calls(s, scheme);
	check_subprogs(s, scheme, legacy);
	progress(scheme, "frames");

	for (i = 0; i < NRET; i++)
		all[nprog++] = &s->ret[i];
	for (i = 0; i < 6; i++)
		all[nprog++] = &s->disp_d[i];
	all[nprog++] = &s->disp_i;
	all[nprog++] = &s->chain_d;
	all[nprog++] = &s->chain_i;
	all[nprog++] = &s->pp_d[0];
	all[nprog++] = &s->pp_d[1];
	for (i = 0; i < 16; i++) {
		all[nprog++] = &s->caller[i];
		all[nprog++] = &s->callee[i];
	}
	for (i = 0; i < NDEPTHS; i++) {
		all[nprog++] = &s->scaller[i];
		all[nprog++] = &s->scallee[i];
	}
	all[nprog++] = &s->calls;
	if (s->have_subtc) {
		all[nprog++] = &s->subtc_d;
		all[nprog++] = &s->subtc_i;
		all[nprog++] = &s->hier;
		all[nprog++] = &s->maintc;
	}
	check_frames(scheme, all, nprog, legacy, !strcmp(scheme, "optimized"));

	if (legacy) {
		slots_clear(s->pa);
		set_close(s);
		close(s->pa);
	}
}

/* Stock and optimized programs tail-call each other through one prog array. */
static void mixed_round(struct set *st, struct set *op)
{
	struct set *pairs[2][2] = { { st, op }, { op, st } };
	char label[64];
	__u32 c;
	__u64 t;
	int i, err;

	diag("=== stock <-> optimized in one prog array");
	for (i = 0; i < 2; i++) {
		struct set *a = pairs[i][0], *b = pairs[i][1];

		snprintf(label, sizeof(label), "%s -> %s", a->scheme, b->scheme);
		progress(label, "registers, stacks, chains, subprogram tail calls");
		check_regs(a, b, pa_main, label);
		check_stacks(a, b, pa_main, label, false);

		/* ping-pong chains: a's A program and b's B program */
		slots_clear(pa_main);
		slot_set(pa_main, PP_A, a->pp_d[0].fd);
		slot_set(pa_main, PP_B, b->pp_d[1].fd);
		err = chain_run(a->pp_d[0].fd, 0, 0, &c, &t);
		check_chain(label, "ping-pong chain, direct", err, c, t, false, 0);
		slot_set(pa_main, PP_A, a->pp_i[0].fd);
		slot_set(pa_main, PP_B, b->pp_i[1].fd);
		err = chain_run(a->pp_i[0].fd, PP_B, PP_A, &c, &t);
		check_chain(label, "ping-pong chain, indirect", err, c, t, false, 0);

		/* a's subprogram tail-calls b's program */
		if (a->have_subtc) {
			__u32 r;

			slots_clear(pa_main);
			slot_set(pa_main, SUBTC_SLOT, b->ret[0].fd);
			err = run(a->subtc_d.fd, SUBTC_SLOT, 0, 1, &r, NULL);
			check_val(label, "tail call from a subprogram (direct) into the other scheme",
				  err, r, 0x100 + 24, false, 0);
			err = run(a->subtc_i.fd, SUBTC_SLOT, 0, 1, &r, NULL);
			check_val(label, "tail call from a subprogram (indirect) into the other scheme",
				  err, r, 0x100 + 24, false, 0);
		}
	}
	/* the budget across subprograms, alternating stock and optimized */
	if (st->have_subtc && op->have_subtc) {
		struct lprog hs = { .fd = -1 }, ho = { .fd = -1 };
		bool good;

		slots_clear(pa_main);
		cur_label = "mixed";
		good = switch_mode("stock") && load_hier(&hs, pa_main, HX_OPT) >= 0;
		good = good && switch_mode("optimized") && load_hier(&ho, pa_main, HX_STOCK) >= 0;
		if (good) {
			slot_set(pa_main, HX_STOCK, hs.fd);
			slot_set(pa_main, HX_OPT, ho.fd);
			run_hier(hs.fd, "stock <-> optimized", "subprogram tail calls alternating schemes, from stock");
			run_hier(ho.fd, "stock <-> optimized", "subprogram tail calls alternating schemes, from optimized");
		} else {
			point(false, "stock <-> optimized: load the alternating subprogram chain");
		}
		if (hs.fd >= 0)
			close(hs.fd);
		if (ho.fd >= 0)
			close(ho.fd);
	}
	slots_clear(pa_main);
}

int main(int argc, char **argv)
{
	char text[256], names[MAX_SCHEMES][NAME_LEN];
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	struct set *stock = NULL, *opt = NULL;
	int n, i, err;

	const char *only[MAX_SCHEMES];
	int nonly = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			trace = true;
		else if (argv[i][0] != '-' && nonly < MAX_SCHEMES)
			only[nonly++] = argv[i];
		else {
			fprintf(stderr, "usage: altjit_tailcall [-v] [SCHEME...]   (default: every scheme)\n");
			return 2;
		}
	}
	tap_header();
	setrlimit(RLIMIT_MEMLOCK, &rl);	/* 5.10 still charges BPF memory to it */
	for (i = 0; i < (int)sizeof(pkt); i++)
		pkt[i] = (i * 37 + 11) & 0xff;
	if (kernel_init()) {
		point(false, "read the kernel version");
		goto done;
	}
	diag("kernel %d.%d: %s, %s counter-init slot, tail-call limit %d", K.major, K.minor,
	     K.ibt ? "IBT" : "no IBT", K.wide ? "3-byte" : "2-byte", K.limit);
	if (read_text(MODE_PATH, text, sizeof(text))) {
		point(false, "altjit is loaded (%s)", MODE_PATH);
		goto done;
	}
	read_line(JIT_ENABLE, orig_jit, sizeof(orig_jit));
	n = save_mode(text, names);
	if (n < 0)
		goto done;

	err = bpf_map_create(BPF_MAP_TYPE_ARRAY, "tc_data", 4, 64, 1, NULL);
	pa_main = prog_array();
	if (err < 0 || pa_main < 0) {
		point(false, "create the maps");
		goto done;
	}
	data_fd = err;
	err = btf_init();
	if (err)
		diag("BTF for programs with subprograms: %s", strerror(-err));

	/*
	 * The patch-site NOP: 0f 1f 44 00 00 from 6.x on; 5.10 uses ideal_nops[NOP_ATOMIC5], chosen at
	 * boot (K8's 66 66 66 66 90 on some CPUs, QEMU's among them). Read it from a stock image.
	 */
	memcpy(K.nop5, NOP5_P6, 5);
	{
		struct lprog r = { .fd = -1 };
		struct jit_image im = {};
		bool good;

		cur_label = "stock";
		good = !write_text(MODE_PATH, "stock") && load_ret(&r, 1) >= 0 &&
		       !jit_image_get(r.fd, &im) && im.len > 9;
		if (good)
			memcpy(K.nop5, im.bytes + (K.ibt ? 4 : 0), 5);
		good = good && (!memcmp(K.nop5, NOP5_P6, 5) ||
				(K.major == 5 && !memcmp(K.nop5, NOP5_K8, 5)));
		point(good, "the stock JIT's patch-site NOP is %s", !memcmp(K.nop5, NOP5_K8, 5) ?
		      "K8's 66 66 66 66 90 (5.10 ideal_nops)" : "0f 1f 44 00 00");
		jit_image_free(&im);
		if (r.fd >= 0)
			close(r.fd);
	}
	reference_round();
	for (i = 0; i < n; i++) {
		struct set *s = &sets[1 + i];

		bool want = !nonly;
		int j;

		for (j = 0; j < nonly; j++)
			want |= !strcmp(only[j], names[i]);
		if (i > 2)
			break;
		if (!want)
			continue;
		scheme_round(s, names[i]);
		if (!strcmp(names[i], "stock"))
			stock = s;
		else if (!strcmp(names[i], "optimized"))
			opt = s;
	}
	if (stock && opt && stock->callee[0].fd >= 0 && opt->callee[0].fd >= 0)
		mixed_round(stock, opt);
	else
		point(false, "stock and optimized rounds loaded their programs (for the mixed round)");
	for (i = 1; i < 4; i++)
		set_close(&sets[i]);

	restore_mode();
	if (orig_jit[0]) {
		char now_jit[16] = "";

		read_line(JIT_ENABLE, now_jit, sizeof(now_jit));
		point(!strcmp(now_jit, orig_jit), "bpf_jit_enable is back to %s", orig_jit);
	}
done:
	return tap_finish();
}
