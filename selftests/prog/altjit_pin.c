// SPDX-License-Identifier: GPL-2.0
/*
 * altjit_pin: load one hand-assembled socket filter whose frame is known and pin it, for
 * selftests/guest/42-progs.sh (which checks altjit-progs against what was loaded).
 *
 *   altjit_pin KIND MASK NAME PIN [hold]
 *	MASK (0-15): bit n means the program keeps a value in BPF R(6+n) (x86: rbx, r13, r14, r15).
 *	KIND plain   an early exit and a final one, no call: the stock JIT puts its epilogue at the
 *		     first exit, altjit after the last instruction
 *	     single  one exit, the last instruction: both JITs lay it out alike
 *	     tail    an early exit, then a tail call (through a prog array holding "r0 = 42") that
 *		     keeps the counter
 *	     tailonly  the tail call without the early exit: only the counter code tells the JITs apart
 *	     calls   an early exit, then a bpf2bpf call to a subprogram that uses R9 only and exits
 *		     early too (no BTF: altjit-progs finds the subprogram from the call)
 *	Prints "id N"; with "hold", keeps the program's fd open until killed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "insn.h"

static struct bpf_insn p[64];
static int n;

static void put(struct bpf_insn i)
{
	p[n++] = i;
}

/* r2 = skb->len; if r2 == 12345 exit (r0 = 0): an exit the verifier cannot prove dead */
static void early_exit(void)
{
	put(MOV_IMM(0, 0));
	put(LDX_W(2, 1, 0));
	put(JEQ_IMM(2, 12345, 1));
	put(JA(1));
	put(EXIT());
}

static void set_regs(int mask)
{
	int r;

	for (r = 0; r < 4; r++)
		if (mask & (1 << r))
			put(MOV_IMM(6 + r, r + 1));
}

static void use_regs(int mask)
{
	int r;

	for (r = 0; r < 4; r++)
		if (mask & (1 << r))
			put(ADD_REG(0, 6 + r));
}

static int load(const char *name)
{
	static char log[65536];
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, name, "GPL", p, n, &opts), err;

	if (fd >= 0)
		return fd;
	err = errno;
	opts.log_buf = log;
	opts.log_size = sizeof(log);
	opts.log_level = 1;
	if (bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, name, "GPL", p, n, &opts) < 0)
		fprintf(stderr, "%s", log);
	errno = err;
	return -1;
}

int main(int argc, char **argv)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int mask, fd;

	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: altjit_pin plain|single|tail|tailonly|calls MASK NAME PIN [hold]\n");
		return 2;
	}
	mask = atoi(argv[2]) & 15;
	if (!strcmp(argv[1], "plain")) {
		early_exit();
		set_regs(mask);
		use_regs(mask);
		put(EXIT());
	} else if (!strcmp(argv[1], "single")) {
		put(MOV_IMM(0, 7));
		set_regs(mask);
		use_regs(mask);
		put(EXIT());
	} else if (!strcmp(argv[1], "tail") || !strcmp(argv[1], "tailonly")) {
		int map = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "pj_pa", 4, 4, 1, NULL), tfd;
		__u32 key = 0;

		put(MOV_IMM(0, 42));
		put(EXIT());
		tfd = load("pj_target");
		if (map < 0 || tfd < 0 || bpf_map_update_elem(map, &key, &tfd, BPF_ANY)) {
			fprintf(stderr, "altjit_pin: prog array and target: %s\n", strerror(errno));
			return 1;
		}
		n = 0;
		if (!strcmp(argv[1], "tail"))
			early_exit();
		set_regs(mask);
		put(MOV_IMM(0, 0));
		{
			struct bpf_insn ld[] = { LD_MAP_FD(2, map) };

			put(ld[0]);
			put(ld[1]);
		}
		put(MOV_IMM(3, 0));
		put(CALL_HELPER(BPF_FUNC_tail_call));
		put(MOV_IMM(0, 1));	/* the slot was empty */
		use_regs(mask);
		put(EXIT());
	} else if (!strcmp(argv[1], "calls")) {
		int call;

		early_exit();
		set_regs(mask);
		put(MOV_REG(1, 2));
		call = n;
		put(CALL_PSEUDO(0));
		use_regs(mask);
		put(EXIT());
		p[call].imm = n - call - 1;
		/* sub(x): if x == 3 return 1; r9 = x; return r9 */
		put(MOV_IMM(0, 1));
		put(JEQ_IMM(1, 3, 1));
		put(JA(1));
		put(EXIT());
		put(MOV_REG(9, 1));
		put(MOV_REG(0, 9));
		put(EXIT());
	} else {
		fprintf(stderr, "altjit_pin: unknown kind %s\n", argv[1]);
		return 2;
	}
	fd = load(argv[3]);
	if (fd < 0) {
		fprintf(stderr, "altjit_pin: load %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (bpf_obj_pin(fd, argv[4])) {
		fprintf(stderr, "altjit_pin: pin %s: %s\n", argv[4], strerror(errno));
		return 1;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 1;
	printf("id %u\n", info.id);
	fflush(stdout);
	if (argc == 6 && !strcmp(argv[5], "hold"))
		for (;;)
			pause();
	return 0;
}
