// SPDX-License-Identifier: GPL-2.0
/*
 * altjit_stress: altjit under real use (issue 4).
 *
 *   altjit_stress switch [-n ITERS] [-f FLIPS]
 *	Live switching. A child process flips /sys/kernel/altjit/mode between legacy, optimized
 *	and stock as fast as it can (at least FLIPS times), while this process loads, runs and
 *	frees a mix of programs (plain, with bpf2bpf calls, with tail calls, both) ITERS times.
 *	Every result must be what the kernel's interpreter computes (checked once up front with
 *	bpf_jit_enable=0), every program's functions must all carry one frame (the legacy marker
 *	in all of them or in none), and a tail call pair must share an ABI or have been refused
 *	with EINVAL (counted by altjit as isolation_refused); from 6.10 on, where legacy takes
 *	the stock tail-call ABI, pairs of two frames must load and run right instead, and nothing
 *	is refused. kselftest TAP; exit 0 iff all passed.
 *
 *   altjit_stress run PIN SECONDS
 *	Run the pinned program through BPF_PROG_TEST_RUN in a loop for SECONDS (or until SIGTERM /
 *	SIGINT, which end it as if the time were up); its return value
 *	must never change from the first run's. Prints "runs N mismatches M"; exit 0 iff M == 0.
 *
 *   altjit_stress load [-p PIN] [-c CONST]
 *	Load "r0 = CONST; exit" (default 0x5a17c0de) as a socket filter, pin it at PIN if asked,
 *	run it once and print "retval R jited J" (J: 1 when JIT'ed). Exit 0 iff it loaded; for
 *	the sysctl tests (bpf_jit_enable, bpf_jit_harden, bpf_jit_kallsyms, bpf_jit_limit).
 *
 *   altjit_stress send IFNAME SECONDS
 *	Send small Ethernet/IPv4/UDP frames out of IFNAME (AF_PACKET) for SECONDS (or until
 *	SIGTERM / SIGINT), for XDP programs on the peer of a veth pair. Prints "sent N".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "ajtest.h"

#include "insn.h"

/* ---- the program mix ---- */

enum kind { K_PLAIN, K_CALLS, K_TAIL, K_CALLS_TAIL, K_NR };
static const char *const kind_names[K_NR] = { "plain", "calls", "tail", "calls+tail" };

/* r6-r9 and the stack: (1 + 2) * 3 - 4 + 100 = 105 */
static const struct bpf_insn prog_plain[] = {
	MOV_IMM(6, 1), MOV_IMM(7, 2), MOV_IMM(8, 3), MOV_IMM(9, 4),
	MOV_REG(0, 6), ALU_REG(BPF_ADD, 0, 7), ALU_REG(BPF_MUL, 0, 8), ALU_REG(BPF_SUB, 0, 9),
	STX_DW(10, -8, 0), MOV_IMM(0, 0), LDX_DW(0, 10, -8), ALU_IMM(BPF_ADD, 0, 100),
	EXIT(),
};

/* main: r6 = 7; r0 = sub(5) + r6; sub: r6 = r1 * 3; return r6.  = 22 */
static const struct bpf_insn prog_calls[] = {
	MOV_IMM(6, 7), MOV_IMM(1, 5), CALL_PSEUDO(2), ALU_REG(BPF_ADD, 0, 6), EXIT(),
	MOV_REG(6, 1), ALU_IMM(BPF_MUL, 6, 3), MOV_REG(0, 6), EXIT(),
};

/* tail-call target: r7..r9 in use; returns 42 */
static const struct bpf_insn prog_target[] = {
	MOV_IMM(7, 40), MOV_IMM(8, 1), MOV_IMM(9, 1), MOV_REG(0, 7), ALU_REG(BPF_ADD, 0, 8),
	ALU_REG(BPF_ADD, 0, 9), EXIT(),
};
#define TARGET_RET	42

static int build_tail(struct bpf_insn *p, int map_fd)
{
	/* r6 = 1; tail_call(ctx, map, 0); return r6 (1 = the slot was empty) */
	struct bpf_insn t[] = {
		MOV_IMM(6, 1), LD_MAP_FD(2, map_fd), MOV_IMM(3, 0), CALL_HELPER(BPF_FUNC_tail_call),
		MOV_REG(0, 6), EXIT(),
	};

	memcpy(p, t, sizeof(t));
	return sizeof(t) / sizeof(t[0]);
}

static int build_calls_tail(struct bpf_insn *p, int map_fd)
{
	/* main: r0 = sub(ctx) + 1000; sub: tail_call(ctx, map, 0); return 7 */
	struct bpf_insn t[] = {
		MOV_IMM(6, 1000), CALL_PSEUDO(2), ALU_REG(BPF_ADD, 0, 6), EXIT(),
		LD_MAP_FD(2, map_fd), MOV_IMM(3, 0), CALL_HELPER(BPF_FUNC_tail_call), MOV_IMM(0, 7), EXIT(),
	};

	memcpy(p, t, sizeof(t));
	return sizeof(t) / sizeof(t[0]);
}

static int load(const struct bpf_insn *insns, int n, const char *name)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);

	return bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, name, "GPL", insns, n, &opts);
}

/*
 * Tail calls from subprograms need BTF function info: a minimal "int f(void *)" type for the
 * main program (at 0) and the subprogram at insn sub.
 */
static int load_with_funcs(const struct bpf_insn *insns, int n, const char *name, __u32 sub)
{
	static const char *const names[] = { "aj_main", "aj_sub" };
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	struct bpf_func_info fi[2];
	__u32 ids[2];
	struct btf *btf = func_btf_load(names, 2, ids);
	int fd, err;

	if (!btf)
		return -1;
	fi[0] = (struct bpf_func_info){ .insn_off = 0, .type_id = ids[0] };
	fi[1] = (struct bpf_func_info){ .insn_off = sub, .type_id = ids[1] };
	opts.prog_btf_fd = btf__fd(btf);
	opts.func_info = fi;
	opts.func_info_cnt = 2;
	opts.func_info_rec_size = sizeof(fi[0]);
	fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, name, "GPL", insns, n, &opts);
	err = errno;
	btf__free(btf);
	errno = err;
	return fd;
}

static int run(int fd, __u32 *retval)
{
	char pkt[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt), .repeat = 1);
	int err = bpf_prog_test_run_opts(fd, &o);

	*retval = o.retval;
	return err ? -errno : 0;
}

/*
 * The frame of every function of a program: 1 legacy, 0 not, -1 when they disagree, -2 when the
 * image could not be read (or the program is not JIT'ed).
 */
static int prog_frame(int fd)
{
	static const unsigned char marker[] = { 0x0f, 0x1f, 0x80, 0x47, 0x4c, 0x4a, 0x41 };
	struct jit_image im;
	__u32 i, off = 0;
	int frame = -3;

	if (jit_image_get(fd, &im) || !im.len) {
		jit_image_free(&im);
		return -2;
	}
	for (i = 0; i < im.nfunc; i++) {
		/* the marker sits within the first 32 bytes of a legacy prologue */
		int legacy = im.func_len[i] >= 32 &&
			     !!memmem(im.bytes + off, 32, marker, sizeof(marker));

		frame = frame == -3 ? legacy : (frame == legacy ? frame : -1);
		off += im.func_len[i];
	}
	jit_image_free(&im);
	return frame;
}

/*
 * 6.10+: legacy's tail calls and entries take the stock ABI (module/frame_legacy.c), so a prog array
 * may hold programs of both frames; before, their tail-call entries differ and altjit refuses.
 */
static bool shared_abi(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 10);
}

struct outcome {
	long runs, mismatches, mixed_frames, not_jited, refused, other_errors, by_frame[2];
	long cross;		/* 6.10+: tail-call pairs of two frames that loaded (and ran) */
	long wrong_handback;	/* loads altjit handed to the stock JIT for another reason than
				   the mode or a legacy program with bpf2bpf calls and tail calls */
};

/* One load-run-free of kind k; expected results: want (filled slot), want_empty (empty slot). */
static void one(enum kind k, struct outcome *o, bool verbose)
{
	struct bpf_insn buf[32];
	int fd = -1, tfd = -1, map = -1, n, err, f, tf;
	__u32 ret, key = 0, want;
	long long unsup0 = read_stat("handed_back_unsupported"), err0 = read_stat("handed_back_error");

	switch (k) {
	case K_PLAIN:
		fd = load(prog_plain, sizeof(prog_plain) / sizeof(prog_plain[0]), "aj_plain");
		want = 105;
		break;
	case K_CALLS:
		fd = load(prog_calls, sizeof(prog_calls) / sizeof(prog_calls[0]), "aj_calls");
		want = 22;
		break;
	default:
		map = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "aj_pa", 4, 4, 1, NULL);
		tfd = load(prog_target, sizeof(prog_target) / sizeof(prog_target[0]), "aj_target");
		if (map < 0 || tfd < 0) {
			o->other_errors++;
			if (verbose)
				diag("%s: map %d / target %d: %s", kind_names[k], map, tfd, strerror(errno));
			goto out;
		}
		if (bpf_map_update_elem(map, &key, &tfd, BPF_ANY)) {
			o->other_errors++;
			goto out;
		}
		n = k == K_TAIL ? build_tail(buf, map) : build_calls_tail(buf, map);
		fd = k == K_TAIL ? load(buf, n, "aj_tail") : load_with_funcs(buf, n, "aj_calls_tail", 4);
		want = k == K_TAIL ? TARGET_RET : TARGET_RET + 1000;
		break;
	}
	if (fd < 0) {
		err = errno;
		if (err == EINVAL && map >= 0) {
			o->refused++;	/* the caller's frame differs from the target's */
		} else {
			o->other_errors++;
			if (verbose)
				diag("%s: load failed: %s", kind_names[k], strerror(err));
		}
		goto out;
	}
	err = run(fd, &ret);
	o->runs++;
	if (err || ret != want) {
		o->mismatches++;
		if (verbose || o->mismatches < 5)
			diag("%s: run %s, returned %u, want %u", kind_names[k], err ? strerror(-err) : "ok",
			     ret, want);
	}
	f = prog_frame(fd);
	if (f == -2) {
		o->not_jited++;
	} else if (f < 0) {
		o->mixed_frames++;
		diag("%s: functions of one program carry different frames (%d)", kind_names[k], f);
	} else {
		o->by_frame[f]++;
	}
	if (tfd >= 0) {
		tf = prog_frame(tfd);
		if (f >= 0 && tf >= 0 && tf != f && shared_abi()) {
			o->cross++;
		} else if (f >= 0 && tf >= 0 && tf != f) {
			o->mixed_frames++;
			diag("%s: a %s program tail-calls a %s one", kind_names[k],
			     f ? "legacy" : "non-legacy", tf ? "legacy" : "non-legacy");
		}
	}
out:
	/*
	 * Only one thing altjit does not compile here: legacy never takes a program with both
	 * bpf2bpf calls and tail calls (handed back as unsupported). Anything else handed back
	 * (unsupported, or an error) makes a program that looks optimized a stock one.
	 */
	if (read_stat("handed_back_error") != err0 ||
	    (k != K_CALLS_TAIL && read_stat("handed_back_unsupported") != unsup0)) {
		if (o->wrong_handback++ < 5)
			diag("%s: handed to the stock JIT (unsupported %+lld, error %+lld)",
			     kind_names[k], read_stat("handed_back_unsupported") - unsup0,
			     read_stat("handed_back_error") - err0);
	}
	if (fd >= 0)
		close(fd);
	if (tfd >= 0)
		close(tfd);
	if (map >= 0)
		close(map);
}

/* The sum of the handed_back_* counters, or -1 when the stats cannot be read. */
static long long handed_back(void)
{
	long long m = read_stat("handed_back_mode"), u = read_stat("handed_back_unsupported"),
		  e = read_stat("handed_back_error");

	return m < 0 || u < 0 || e < 0 ? -1 : m + u + e;
}

/*
 * Under one fixed scheme, loads of every kind (legacy: but bpf2bpf calls with tail calls, which
 * it leaves to the stock JIT): each JIT request (a whole program, or each pass over each
 * subprogram) must be compiled by that scheme, none handed back to the stock JIT: the frame
 * marker alone cannot tell an optimized program from one the stock JIT compiled.
 */
static void steady(const char *scheme, int legacy, long loads)
{
	char jited[NAME_LEN + 8];
	struct outcome o = {};
	long long r0, j0, h0, dr, dj, dh;
	int err;

	snprintf(jited, sizeof(jited), "%s_jited", scheme);
	err = write_text(MODE_PATH, scheme);
	r0 = read_stat("requests"), j0 = read_stat(jited), h0 = handed_back();
	for (long i = 0; !err && i < loads; i++)
		one(i % (legacy ? K_CALLS_TAIL : K_NR), &o, true);
	dr = read_stat("requests") - r0, dj = read_stat(jited) - j0, dh = handed_back() - h0;
	point(!err && o.runs == loads && !o.mismatches && !o.refused && !o.other_errors &&
	      o.by_frame[legacy] == loads && !o.wrong_handback,
	      "%s (fixed): %ld loads of every kind ran right with the %s frame (%ld ran, %ld wrong, "
	      "%ld refused, %ld failed)", scheme, loads, legacy ? "legacy" : "non-legacy", o.runs,
	      o.mismatches, o.refused, o.other_errors);
	point(!err && r0 >= 0 && j0 >= 0 && h0 >= 0 && dr > 0 && dj == dr && dh == 0,
	      "%s (fixed): every JIT request compiled by altjit (%s +%lld of %lld requests, "
	      "handed back +%lld)", scheme, jited, dj, dr, dh);
}

/*
 * A tail call from a program of one frame into one of the other: before 6.12 the caller's load
 * must be refused with EINVAL and counted as isolation_refused; from 6.10 on it must load and
 * run into the target (TARGET_RET), nothing refused.
 */
static void cross_pair(const char *target_scheme, const char *caller_scheme)
{
	struct bpf_insn buf[32];
	int map, tfd = -1, fd = -1, n, err = 0, rerr = -1;
	long long r0 = read_stat("isolation_refused");
	__u32 key = 0, ret = 0;

	map = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "aj_pa", 4, 4, 1, NULL);
	if (map >= 0 && !write_text(MODE_PATH, target_scheme)) {
		tfd = load(prog_target, sizeof(prog_target) / sizeof(prog_target[0]), "aj_target");
		if (tfd >= 0 && !bpf_map_update_elem(map, &key, &tfd, BPF_ANY) &&
		    !write_text(MODE_PATH, caller_scheme)) {
			n = build_tail(buf, map);
			fd = load(buf, n, "aj_tail");
			err = fd < 0 ? errno : 0;
			if (fd >= 0)
				rerr = run(fd, &ret);
		}
	}
	if (shared_abi())
		point(tfd >= 0 && fd >= 0 && !rerr && ret == TARGET_RET &&
		      prog_frame(fd) == !strcmp(caller_scheme, "legacy") &&
		      prog_frame(tfd) == !strcmp(target_scheme, "legacy") &&
		      read_stat("isolation_refused") == r0,
		      "6.10+: a %s program tail-calls a %s one (one tail-call ABI): returned %u, want %u%s%s",
		      caller_scheme, target_scheme, ret, TARGET_RET, fd < 0 ? ", load: " : "",
		      fd < 0 ? strerror(err) : "");
	else
		point(tfd >= 0 && fd < 0 && err == EINVAL && read_stat("isolation_refused") - r0 == 1,
		      "a %s program tail-calling a %s one is refused (EINVAL, isolation_refused +1): %s",
		      caller_scheme, target_scheme, fd >= 0 ? "it loaded" : strerror(err));
	if (fd >= 0)
		close(fd);
	if (tfd >= 0)
		close(tfd);
	if (map >= 0)
		close(map);
}

static pid_t start_flipper(void)
{
	static const char *const seq[] = { "legacy", "optimized", "stock", "optimized", "legacy" };
	pid_t pid = fork();
	unsigned long n = 0;

	if (pid)
		return pid;
	for (;;) {
		if (write_text(MODE_PATH, seq[n % 5]))
			_exit(2);
		n++;
		if (!(n % 64)) {
			/*
			 * Written aside and renamed over: a reader never sees the file truncated
			 * and empty (read as -1 flips: seen once on 7.3, 2026-12-05).
			 */
			FILE *f = fopen("/tmp/altjit_flips.new", "w");

			if (f) {
				fprintf(f, "%lu\n", n);
				if (!fclose(f))
					rename("/tmp/altjit_flips.new", "/tmp/altjit_flips");
			}
		}
	}
}

static long flips_done(void)
{
	long n = -1;
	FILE *f = fopen("/tmp/altjit_flips", "r");

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static int cmd_switch(int argc, char **argv)
{
	long iters = 2000, min_flips = 1000, flips;
	long long refused0;
	struct outcome o = {};
	int c, k, status;
	pid_t flipper;

	while ((c = getopt(argc, argv, "n:f:")) != -1) {
		if (c == 'n')
			iters = atol(optarg);
		else if (c == 'f')
			min_flips = atol(optarg);
		else
			return 2;
	}
	tap_header();

	/* The reference: the kernel's interpreter on the programs it can run. */
	if (write_text(JIT_ENABLE, "0")) {
		point(false, "bpf_jit_enable=0 for the interpreter reference");
	} else {
		for (k = K_PLAIN; k <= K_TAIL; k++) {
			struct outcome r = {};

			one(k, &r, true);
			point(r.runs == 1 && !r.mismatches && r.not_jited == 1,
			      "interpreter: %s returns the expected value", kind_names[k]);
		}
		write_text(JIT_ENABLE, "1");
	}

	steady("optimized", 0, 40);
	steady("legacy", 1, 30);
	cross_pair("legacy", "optimized");
	cross_pair("optimized", "legacy");
	cross_pair("legacy", "stock");
	cross_pair("stock", "legacy");

	unlink("/tmp/altjit_flips");
	refused0 = read_stat("isolation_refused");
	flipper = start_flipper();
	for (long i = 0; i < iters || flips_done() < min_flips; i++) {
		one(i % K_NR, &o, false);
		if (i > iters * 20)
			break;	/* the flipper is stuck: reported below */
	}
	flips = flips_done();
	kill(flipper, SIGKILL);
	waitpid(flipper, &status, 0);
	write_text(MODE_PATH, "stock");

	diag("%ld runs, %ld legacy and %ld other programs, %ld tail-call loads refused, %ld pairs of two frames ran, %ld mode flips",
	     o.runs, o.by_frame[1], o.by_frame[0], o.refused, o.cross, flips);
	point(flips >= min_flips, "the mode flipped at least %ld times while programs loaded (%ld)",
	      min_flips, flips);
	point(o.runs >= iters / 2, "programs loaded and ran (%ld of %ld)", o.runs, iters);
	point(!o.mismatches, "every result matched the interpreter (%ld mismatches)", o.mismatches);
	point(!o.mixed_frames, "every program was compiled under one scheme end to end (%ld mixed)",
	      o.mixed_frames);
	point(o.by_frame[0] && o.by_frame[1],
	      "both frames were seen under switching (%ld legacy, %ld not)", o.by_frame[1],
	      o.by_frame[0]);
	point(!o.not_jited, "every program was JIT'ed (%ld were not)", o.not_jited);
	point(!o.other_errors, "no load failed for another reason (%ld)", o.other_errors);
	point(refused0 >= 0 && read_stat("isolation_refused") - refused0 == o.refused,
	      "each refused tail-call load was an isolation refusal counted by altjit (%ld)", o.refused);
	/*
	 * Under switching, a tail-call pair lands on two schemes often: never refusing is a bug
	 * before 6.10; from 6.10 on such pairs must have loaded and run right, and none refused.
	 */
	if (shared_abi())
		point(o.cross > 0 && !o.refused,
		      "6.10+: tail-call pairs compiled under two frames loaded and ran (%ld), none refused (%ld)",
		      o.cross, o.refused);
	else
		point(o.refused > 0 && !o.cross, "tail-call pairs compiled under two frames were refused (%ld)",
		      o.refused);
	/* Only the mode (or legacy's one exception) may send a program to the stock JIT. */
	point(!o.wrong_handback,
	      "under switching, no program handed to the stock JIT but for the mode (%ld were)",
	      o.wrong_handback);
	return tap_finish();
}

/* run and send stop early, cleanly (their summary printed), on SIGTERM or SIGINT. */
static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void stop_on_signal(void)
{
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
}

static int cmd_run(int argc, char **argv)
{
	double end;
	long runs = 0, bad = 0;
	__u32 first, ret;
	int fd;

	if (argc < 3)
		return 2;
	fd = bpf_obj_get(argv[1]);
	if (fd < 0 || run(fd, &first)) {
		fprintf(stderr, "altjit_stress run: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	stop_on_signal();
	end = now() + atof(argv[2]);
	while (!stop && now() < end) {
		if (run(fd, &ret) || ret != first)
			bad++;
		runs++;
	}
	printf("retval %u runs %ld mismatches %ld\n", first, runs, bad);
	return bad ? 1 : 0;
}

static int cmd_send(int argc, char **argv)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = ETH_ALEN };
	unsigned char frame[60] = {
		0x02, 0, 0, 0, 0, 2,  0x02, 0, 0, 0, 0, 1,  0x08, 0x00,		/* Ethernet, IPv4 */
		0x45, 0, 0, 46, 0, 0, 0, 0, 64, 17, 0, 0,  10, 0, 0, 1,  10, 0, 0, 2,	/* UDP */
		0x30, 0x39, 0x00, 0x35, 0, 26, 0, 0,
	};
	long sent = 0;
	double end;
	int s;

	if (argc < 3)
		return 2;
	s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	sll.sll_ifindex = if_nametoindex(argv[1]);
	if (s < 0 || !sll.sll_ifindex) {
		fprintf(stderr, "altjit_stress send: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	stop_on_signal();
	end = now() + atof(argv[2]);
	while (!stop && now() < end)
		if (sendto(s, frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll)) > 0)
			sent++;
	printf("sent %ld\n", sent);
	return 0;
}

static int cmd_load(int argc, char **argv)
{
	const char *pin = NULL;
	__u32 konst = 0x5a17c0de, ret;
	struct bpf_insn p[3];
	int c, fd;

	while ((c = getopt(argc, argv, "p:c:")) != -1) {
		if (c == 'p')
			pin = optarg;
		else if (c == 'c')
			konst = strtoul(optarg, NULL, 0);
		else
			return 2;
	}
	/* r0 = CONST (64-bit load of the zero-extended constant); exit */
	p[0] = INSN(BPF_LD | BPF_DW | BPF_IMM, 0, 0, 0, (__s32)konst);
	p[1] = INSN(0, 0, 0, 0, 0);
	p[2] = EXIT();
	fd = load(p, 3, "aj_const");
	if (fd < 0) {
		printf("load failed: %s\n", strerror(errno));
		return 1;
	}
	if (pin && bpf_obj_pin(fd, pin)) {
		printf("pin %s failed: %s\n", pin, strerror(errno));
		return 1;
	}
	if (run(fd, &ret)) {
		printf("run failed: %s\n", strerror(errno));
		return 1;
	}
	printf("retval %u jited %d\n", ret, prog_frame(fd) != -2);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "switch"))
		return cmd_switch(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "load"))
		return cmd_load(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "send"))
		return cmd_send(argc - 1, argv + 1);
	fprintf(stderr, "usage: altjit_stress switch [-n ITERS] [-f FLIPS] | run PIN SECONDS |\n"
		"       load [-p PIN] [-c CONST] | send IFNAME SECONDS\n");
	return 2;
}
