// SPDX-License-Identifier: GPL-2.0
/*
 * altjit_lifecycle: load patterns that drive altjit's glue through its rare paths (issue 14),
 * for selftests/guest/45-lifecycle.sh, which sets the faults (test_fail) and races rmmod.
 *
 *   altjit_lifecycle subprogs [-n FUNCS] [-i ITERS] [-s SECONDS] [-L]
 *	Load a program of FUNCS functions (main calls each of the others, keeping its sum in a
 *	callee-saved register), run it once, check its result, close it; ITERS
 *	times or for SECONDS. Prints "loads L ok O failed F wrong W jited J errno E" (E: the last
 *	load error). Exit 0 iff no run gave a wrong result. -L: also count the programs with a
 *	legacy frame ("legacy N"), those that had one while altjit was not loaded ("orphans N": a
 *	legacy image pins altjit, so there must be none) and those whose functions do not all have
 *	the same frame ("mixed N": there must be none).
 *
 *   altjit_lifecycle prog-array [-s SECONDS] [-e ENTRIES]
 *	Prog arrays of ENTRIES slots whose programs are freed while altjit scans them: a thread
 *	fills and empties slots (each program's only reference is its slot), while this one loads
 *	programs that tail-call into each new array and inserts programs into it. Prints
 *	"arrays A loads L refused R deleted D errors X". Exit 0 iff X == 0.
 *
 *   altjit_lifecycle owner
 *	A program that tail-calls into a new prog array is loaded, and a program is inserted into
 *	another new one: the two ways altjit first records an array's owner ABI. Prints
 *	"load E update E" (0, or the errno of each).
 *
 *   altjit_lifecycle tailcall
 *	A program with a constant-index tail call, its slot filled after the load (a direct tail
 *	call is patched in place then) and emptied again. Prints "filled R empty R": 7 and 1.
 *
 *   altjit_lifecycle unload-direct
 *	With altjit loaded (optimized): a program with a constant-index tail call into slot 0, and
 *	slot 0 filled with keep-mode programs (each has a direct tail call of its own) and a plain
 *	one, in turns, before and after this tool unloads altjit (rmmod, retried for up to 10 s):
 *	altjit's own jumps in the images must be back at the stock exit once it is gone. Prints
 *	"sites S keep K before R rmmod E after R R R R R R" (S, K: the stats' tc_sites and
 *	tc_sites_keep while loaded: the jumps altjit follows, and those at a keep entry).
 *
 *   altjit_lifecycle flip [-u USEC] [-s SECONDS]
 *	Flip /sys/kernel/altjit/mode legacy -> optimized -> stock every USEC (500) microseconds
 *	for SECONDS, as a SCHED_FIFO task, then leave it at optimized. Prints "flips N".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "ajtest.h"

#include "insn.h"
#define MAX_FUNCS	64

/*
 * BPF_PROG_LOAD itself: libbpf's bpf_prog_load() probes the kernel with programs of its own the
 * first time, which the tests would count as JIT requests of the programs under test.
 */
static int load(const struct bpf_insn *insns, int n, const char *name)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (__u64)(unsigned long)insns;
	attr.insn_cnt = n;
	attr.license = (__u64)(unsigned long)"GPL";
	strncpy(attr.prog_name, name, sizeof(attr.prog_name) - 1);
	return syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
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
 * How many of the program's functions carry the legacy frame's marker (module/frame.c); *nfunc
 * gets the number of functions.
 */
static int legacy_funcs(int fd, int *nfunc)
{
	static const unsigned char marker[] = { 0x0f, 0x1f, 0x80, 0x47, 0x4c, 0x4a, 0x41 };
	struct jit_image im;
	__u32 i, off = 0;
	int legacy = 0;

	*nfunc = 0;
	if (!jit_image_get(fd, &im)) {
		for (i = 0; i < im.nfunc; off += im.func_len[i++])
			legacy += im.func_len[i] >= 32 && memmem(im.bytes + off, 32, marker, sizeof(marker));
		*nfunc = im.nfunc;
	}
	jit_image_free(&im);
	return legacy;
}

static bool jited(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return !bpf_obj_get_info_by_fd(fd, &info, &len) && info.jited_prog_len;
}

/*
 * main: r6 = 1000; r6 += f_i(i) for i = 1..n-1; return r6.  f_i(x): r6 = x * 3; return r6.
 * (Calls nest at most 8 deep: the functions are all called from main.)
 */
static int build_fanout(struct bpf_insn *p, int n, __u32 *want)
{
	int i, len = 0, main_len = 1 + 3 * (n - 1) + 2;

	*want = 1000;
	p[len++] = MOV_IMM(6, 1000);
	for (i = 1; i < n; i++) {
		int call = len + 1, target = main_len + 4 * (i - 1);

		p[len++] = MOV_IMM(1, i);
		p[len++] = CALL_PSEUDO(target - call - 1);
		p[len++] = ALU_REG(BPF_ADD, 6, 0);
		*want += 3 * i;
	}
	p[len++] = MOV_REG(0, 6);
	p[len++] = EXIT();
	for (i = 1; i < n; i++) {
		p[len++] = MOV_REG(6, 1);
		p[len++] = ALU_IMM(BPF_MUL, 6, 3);
		p[len++] = MOV_REG(0, 6);
		p[len++] = EXIT();
	}
	return len;
}

static int cmd_subprogs(int argc, char **argv)
{
	struct bpf_insn p[8 * MAX_FUNCS];
	long loads = 0, ok = 0, failed = 0, wrong = 0, njited = 0, legacy = 0, orphans = 0, mixed = 0;
	bool check_legacy = false;
	int c, n = 16, iters = 0, last_errno = 0, len;
	double secs = 0, end;
	__u32 want, got;

	while ((c = getopt(argc, argv, "n:i:s:L")) != -1) {
		if (c == 'n')
			n = atoi(optarg);
		else if (c == 'i')
			iters = atoi(optarg);
		else if (c == 's')
			secs = atof(optarg);
		else if (c == 'L')
			check_legacy = true;
		else
			return 2;
	}
	if (n < 2 || n > MAX_FUNCS || (!iters && !secs))
		return 2;
	len = build_fanout(p, n, &want);
	end = now() + secs;
	while (iters ? loads < iters : now() < end) {
		int fd = load(p, len, "aj_chain");

		loads++;
		if (fd < 0) {
			failed++;
			last_errno = errno;
			continue;
		}
		if (run(fd, &got) || got != want) {
			wrong++;
			if (wrong < 5)
				fprintf(stderr, "run %ld: got %u, want %u\n", loads, got, want);
		} else {
			ok++;
		}
		njited += jited(fd);
		if (check_legacy) {
			int nf, nl = legacy_funcs(fd, &nf);

			/* one scheme for all functions of a program, whatever the mode did meanwhile */
			mixed += nl && nl != nf;
			if (nl) {
				legacy++;
				/* this program's legacy image holds a reference on altjit right now */
				if (access("/sys/kernel/altjit", F_OK))
					orphans++;
			}
		}
		close(fd);
	}
	printf("loads %ld ok %ld failed %ld wrong %ld jited %ld errno %d", loads, ok, failed, wrong,
	       njited, last_errno);
	if (check_legacy)
		printf(" legacy %ld orphans %ld mixed %ld", legacy, orphans, mixed);
	printf("\n");
	return wrong ? 1 : 0;
}

/* ---- prog arrays freed under altjit's scan ---- */

static volatile int pa_fd = -1, pa_stop;
static int pa_entries = 4096;
static long pa_deleted, pa_errors;

/* r0 = 7; exit */
static int load_leaf(void)
{
	struct bpf_insn p[] = { MOV_IMM(0, 7), EXIT() };

	return load(p, 2, "aj_leaf");
}

/* tail_call(ctx, map, 0); return 1 */
static int load_caller(int map_fd)
{
	struct bpf_insn p[] = {
		LD_MAP_FD(2, map_fd), MOV_IMM(3, 0), CALL_HELPER(BPF_FUNC_tail_call),
		MOV_IMM(0, 1), EXIT(),
	};

	return load(p, sizeof(p) / sizeof(p[0]), "aj_caller");
}

static void *pa_churn(void *arg)
{
	unsigned int seed = 1;

	(void)arg;
	while (!pa_stop) {
		int map = pa_fd, fd;
		__u32 key = rand_r(&seed) % pa_entries;

		if (map < 0)
			continue;
		fd = load_leaf();
		if (fd < 0) {
			__sync_fetch_and_add(&pa_errors, 1);
			continue;
		}
		/* the slot holds the only reference once fd is closed: deleting frees the program */
		if (!bpf_map_update_elem(map, &key, &fd, BPF_ANY)) {
			close(fd);
			if (!bpf_map_delete_elem(map, &key))
				pa_deleted++;
		} else {
			close(fd);
		}
	}
	return NULL;
}

static int cmd_prog_array(int argc, char **argv)
{
	long arrays = 0, loads = 0, refused = 0;
	double secs = 10, end;
	pthread_t th;
	int c;

	while ((c = getopt(argc, argv, "s:e:")) != -1) {
		if (c == 's')
			secs = atof(optarg);
		else if (c == 'e')
			pa_entries = atoi(optarg);
		else
			return 2;
	}
	if (pthread_create(&th, NULL, pa_churn, NULL))
		return 1;
	end = now() + secs;
	while (now() < end) {
		int map = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "aj_pa", 4, 4, pa_entries, NULL);
		int i, fd;

		if (map < 0) {
			pa_errors++;
			continue;
		}
		pa_fd = map;
		arrays++;
		usleep(2000);	/* let the churn fill and empty it */
		for (i = 0; i < 4; i++) {
			/* a load scans the array for its owner ABI the first time altjit sees it */
			fd = load_caller(map);
			loads++;
			if (fd < 0) {
				if (errno == EINVAL)
					refused++;
				else
					pa_errors++;
				continue;
			}
			close(fd);
		}
		pa_fd = -1;
		usleep(100);
		close(map);
	}
	pa_stop = 1;
	pthread_join(th, NULL);
	printf("arrays %ld loads %ld refused %ld deleted %ld errors %ld\n", arrays, loads, refused,
	       pa_deleted, pa_errors);
	return pa_errors ? 1 : 0;
}

/*
 * Each prog array's owner ABI is recorded the first time altjit sees it: at a load that uses it,
 * or at an insertion. Prints "load E update E": 0 or the errno of each.
 */
static int cmd_owner(void)
{
	int a = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "aj_pa_load", 4, 4, 4, NULL);
	int b = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "aj_pa_upd", 4, 4, 4, NULL);
	int leaf = load_leaf(), caller, e_load = 0, e_upd = 0;
	__u32 key = 0;

	if (a < 0 || b < 0 || leaf < 0) {
		printf("setup failed: %s\n", strerror(errno));
		return 1;
	}
	caller = load_caller(a);
	if (caller < 0)
		e_load = errno;
	if (bpf_map_update_elem(b, &key, &leaf, BPF_ANY))
		e_upd = errno;
	printf("load %d update %d\n", e_load, e_upd);
	return 0;
}

/*
 * Flip the mode legacy -> optimized -> stock every USEC microseconds for SECONDS, as a real-time
 * task: on the guests' single CPU it preempts a loader in the middle of its program's passes,
 * which a plain shell loop, scheduled between the loader's time slices, rarely does.
 */
static int cmd_flip(int argc, char **argv)
{
	static const char *const modes[] = { "legacy", "optimized", "stock" };
	struct sched_param sp = { .sched_priority = 1 };
	double secs = 10, end;
	long flips = 0, usec = 500;
	int c;

	while ((c = getopt(argc, argv, "u:s:")) != -1) {
		if (c == 'u')
			usec = atol(optarg);
		else if (c == 's')
			secs = atof(optarg);
		else
			return 2;
	}
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		fprintf(stderr, "SCHED_FIFO: %s (flipping anyway)\n", strerror(errno));
	end = now() + secs;
	while (now() < end) {
		if (write_text(MODE_PATH, modes[flips % 3]))
			break;
		flips++;
		usleep(usec);
	}
	write_text(MODE_PATH, "optimized");
	printf("flips %ld\n", flips);
	return 0;
}

/*
 * A constant-index tail call whose slot is filled after the load (the kernel patches a direct
 * one in place) and emptied again: prints "filled R empty R" (7: the target ran; 1: the call
 * fell through).
 */
static int cmd_tailcall(void)
{
	int a = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "aj_pa_tc", 4, 4, 4, NULL);
	int leaf = load_leaf(), caller = a < 0 ? -1 : load_caller(a);
	__u32 key = 0, filled = 0, empty = 0;

	if (a < 0 || leaf < 0 || caller < 0) {
		printf("setup failed: %s\n", strerror(errno));
		return 1;
	}
	if (bpf_map_update_elem(a, &key, &leaf, BPF_ANY) || run(caller, &filled) ||
	    bpf_map_delete_elem(a, &key) || run(caller, &empty)) {
		printf("failed: %s\n", strerror(errno));
		return 1;
	}
	printf("filled %u empty %u\n", filled, empty);
	return 0;
}

/* tail_call(ctx, map, 3), a slot left empty; return v: keep mode under optimized */
static int load_keep_ret(int map_fd, __u32 v)
{
	struct bpf_insn p[] = {
		LD_MAP_FD(2, map_fd), MOV_IMM(3, 3), CALL_HELPER(BPF_FUNC_tail_call),
		MOV_IMM(0, v), EXIT(),
	};

	return load(p, sizeof(p) / sizeof(p[0]), "aj_keep_ret");
}

static long stat_value(const char *name)
{
	FILE *f = fopen("/sys/kernel/altjit/stats", "r");
	char n[64];
	long long v;
	long r = -1;

	while (f && fscanf(f, "%63s %lld", n, &v) == 2)
		if (!strcmp(n, name))
			r = v;
	if (f)
		fclose(f);
	return r;
}

static int cmd_unload_direct(void)
{
	int a = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "aj_pa_ud", 4, 4, 4, NULL);
	int caller = a < 0 ? -1 : load_caller(a);
	int k1 = a < 0 ? -1 : load_keep_ret(a, 0x21), k2 = a < 0 ? -1 : load_keep_ret(a, 0x22);
	int leaf = load_leaf(), seq[] = { k2, leaf, -1, k1, k2 }, i, rc = -1;
	__u32 key = 0, r = 0;
	long sites;

	if (a < 0 || caller < 0 || k1 < 0 || k2 < 0 || leaf < 0) {
		printf("setup failed: %s\n", strerror(errno));
		return 1;
	}
	if (bpf_map_update_elem(a, &key, &k1, BPF_ANY) || run(caller, &r)) {
		printf("failed: %s\n", strerror(errno));
		return 1;
	}
	sites = stat_value("tc_sites");
	printf("sites %ld keep %ld before %u rmmod", sites, stat_value("tc_sites_keep"), r);
	for (i = 0; i < 100 && rc; i++) {
		rc = system("rmmod altjit 2>/dev/null");
		if (rc)
			usleep(100000);
	}
	printf(" %d after", rc);
	r = 0;
	run(caller, &r);
	printf(" %u", r);
	for (i = 0; i < (int)(sizeof(seq) / sizeof(seq[0])); i++) {
		if (seq[i] < 0 ? bpf_map_delete_elem(a, &key) :
				 bpf_map_update_elem(a, &key, &seq[i], BPF_ANY)) {
			printf(" update-failed:%s\n", strerror(errno));
			return 1;
		}
		r = 0;
		run(caller, &r);
		printf(" %u", r);
	}
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "subprogs"))
		return cmd_subprogs(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "prog-array"))
		return cmd_prog_array(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "owner"))
		return cmd_owner();
	if (argc >= 2 && !strcmp(argv[1], "tailcall"))
		return cmd_tailcall();
	if (argc >= 2 && !strcmp(argv[1], "unload-direct"))
		return cmd_unload_direct();
	if (argc >= 2 && !strcmp(argv[1], "flip"))
		return cmd_flip(argc - 1, argv + 1);
	fprintf(stderr, "usage: altjit_lifecycle subprogs [-n FUNCS] [-i ITERS] [-s SECONDS] |\n"
		"       prog-array [-s SECONDS] [-e ENTRIES] | owner | tailcall | unload-direct |\n"
		"       flip [-u USEC] [-s SECONDS]\n");
	return 2;
}
