// SPDX-License-Identifier: GPL-2.0
/*
 * altjit-bench: A/B benchmark of BPF programs under altjit's schemes (stock, legacy, optimized).
 *
 *   altjit-bench [-n REPEAT] [-k TRIALS] [-f table|csv|json] [-o DIR] [-c CLOCK] [OBJ[:PROG]...]
 *
 * Every program is loaded once under each scheme (the mode is switched through
 * /sys/kernel/altjit/mode before each load), then run through BPF_PROG_TEST_RUN REPEAT times per
 * trial, schemes interleaved (A B C A B C ...) so drift hits all alike. Reported per program and
 * scheme: JIT image size, prologue and epilogue bytes (of the entry function), ns per run (median
 * and spread over the trials), ratios to legacy and to stock. Without OBJ arguments the built-in
 * set (objects next to the binary, or in $ALTJIT_BENCH_PROGS) is used.
 *
 * Also checked and shown: which JIT actually compiled each program (altjit hands a program it does
 * not compile under a scheme to the stock JIT: marked "*", from the /sys/kernel/altjit/stats
 * counters), that every scheme returns what stock returns (marked "!", exit status 1), and for XDP
 * programs the packet rate through the same test-run path (Mpps = 1000 / ns per run).
 *
 * Prog arrays in an object are filled automatically: a program whose name ends in a number N goes
 * into slot N of every prog array of its object (link0..link6, hop0..hop33, flow_dissector_0..5).
 *
 *   altjit-bench --native [-n REPEAT] [-k TRIALS] [-f table|csv|json] [-o DIR] [OBJ[:PROG]...]
 *
 * runs no kernel, module or root: altjit's code generator built in userspace compiles each program
 * with the legacy and optimized frames, checks it against a reference interpreter and times the
 * emitted code on this CPU (native.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"

#define MODE_FILE	"/sys/kernel/altjit/mode"
#define STATS_FILE	"/sys/kernel/altjit/stats"
#define MAX_BENCH	32

static const char *const schemes[] = { "stock", "legacy", "optimized" };
#define NR_SCHEMES 3

struct result {
	struct bpf_object *obj;
	int fd;
	int err;
	unsigned int image, prologue, epilogue;
	double ns[MAX_TRIALS];
	double median, min, max;
	int retval;
	bool xdp;		/* XDP program: packet rate shown */
	bool handed_back;	/* compiled by the stock JIT although another scheme was asked for */
};

struct bench {
	char path[PATH_MAX];
	char prog[128];		/* entry program name; empty: the object's first program */
	char label[64];
	struct result r[NR_SCHEMES];
};

static struct bench benches[MAX_BENCH];
static int nr_benches;
static unsigned int repeat = 100000;
static int trials = 5;
static const char *format = "table";
static const char *outdir;
static const char *clock_note = "wall-clock ns per run as BPF_PROG_TEST_RUN measures it";

/* A 64-byte Ethernet/IPv4/UDP frame. */
unsigned char pkt[64] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x32, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
	10, 0, 0, 1, 10, 0, 0, 2,
	0x30, 0x39, 0x00, 0x35, 0x00, 0x1e, 0x00, 0x00,
};

static int write_mode(const char *s)
{
	FILE *f = fopen(MODE_FILE, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(s, f) < 0)
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static int read_mode(char *buf, size_t len)
{
	FILE *f = fopen(MODE_FILE, "r");
	char line[128], *a, *b;

	if (!f || !fgets(line, sizeof(line), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	a = strchr(line, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!a || !b)
		return -1;
	*b = 0;
	snprintf(buf, len, "%s", a + 1);
	return 0;
}

/* One counter of /sys/kernel/altjit/stats, or -1. */
static long long stat_value(const char *name)
{
	FILE *f = fopen(STATS_FILE, "r");
	char line[128], key[64];
	long long v, ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", key, &v) == 2 && !strcmp(key, name))
			ret = v;
	fclose(f);
	return ret;
}

/* Trailing number of a program name, or -1. */
int name_slot(const char *name)
{
	size_t n = strlen(name);

	if (!n || name[n - 1] < '0' || name[n - 1] > '9')
		return -1;
	while (n && name[n - 1] >= '0' && name[n - 1] <= '9')
		n--;
	return atoi(name + n);
}

static void fill_prog_arrays(struct bpf_object *obj)
{
	struct bpf_program *p;
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		if (bpf_map__type(m) != BPF_MAP_TYPE_PROG_ARRAY)
			continue;
		bpf_object__for_each_program(p, obj) {
			int slot = name_slot(bpf_program__name(p)), fd = bpf_program__fd(p);
			__u32 key = slot;

			if (slot < 0 || (__u32)slot >= bpf_map__max_entries(m) || fd < 0)
				continue;
			if (bpf_map_update_elem(bpf_map__fd(m), &key, &fd, BPF_ANY))
				fprintf(stderr, "altjit-bench: %s: slot %d of %s: %s\n",
					bpf_program__name(p), slot, bpf_map__name(m), strerror(errno));
		}
	}
}

/* Bytes of frame setup at the start of an x86-64 image (the layouts of module/frame.c). */
unsigned int prologue_bytes(const unsigned char *b, unsigned int len)
{
	static const unsigned char endbr[] = { 0xf3, 0x0f, 0x1e, 0xfa };
	static const unsigned char nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
	static const unsigned char k8nop5[] = { 0x66, 0x66, 0x66, 0x66, 0x90 };	/* 5.10 on some CPUs */
	static const unsigned char tc612[] = { 0x48, 0x83, 0xf8 };
	unsigned int p = 0;

#define AT(pat) (p + sizeof(pat) <= len && !memcmp(b + p, pat, sizeof(pat)))
	if (AT(endbr))
		p += 4;
	if (AT(nop5) || AT(k8nop5))
		p += 5;
	/* xor eax,eax as 31 c0, or 33 c0 (optimized's keep-frame marker), or nop2; the same 3-byte */
	if (p + 2 <= len && (((b[p] == 0x31 || b[p] == 0x33) && b[p + 1] == 0xc0) ||
			     (b[p] == 0x66 && b[p + 1] == 0x90)))
		p += 2;
	else if (p + 3 <= len && ((b[p] == 0x48 && (b[p + 1] == 0x31 || b[p + 1] == 0x33) &&
				   b[p + 2] == 0xc0) ||
				  (b[p] == 0x0f && b[p + 1] == 0x1f && b[p + 2] == 0x00)))
		p += 3;
	if (p < len && b[p] == 0x55)
		p++;
	if (p + 3 <= len && b[p] == 0x48 && b[p + 1] == 0x89 && b[p + 2] == 0xe5)
		p += 3;
	if (AT(endbr))
		p += 4;
	if (p + 7 <= len && b[p] == 0x0f && b[p + 1] == 0x1f && b[p + 2] == 0x80)
		p += 7;		/* legacy marker */
	/* keep-frame mode, 5.10/6.1: shr rax,32 ; sub rax,MAX (count - MAX from a stock caller's rax) */
	if (p + 8 <= len && b[p] == 0x48 && b[p + 1] == 0xc1 && b[p + 2] == 0xe8 && b[p + 3] == 0x20 &&
	    b[p + 4] == 0x48 && b[p + 5] == 0x83 && b[p + 6] == 0xe8)
		p += 8;
	if (p + 7 <= len && b[p] == 0x48 && b[p + 1] == 0x81 && b[p + 2] == 0xec)
		p += 7;
	if (AT(tc612))
		p += 4 + 2 + 1 + 3 + 2;	/* cmp rax,MAX; ja; push; mov rax,rsp; jmp (then pushes) */
	for (;;) {
		if (p < len && (b[p] == 0x50 || b[p] == 0x53))
			p++;
		else if (p + 2 <= len && b[p] == 0x41 && b[p + 1] >= 0x55 && b[p + 1] <= 0x57)
			p += 2;
		else
			break;
	}
#undef AT
	return p;
}

/* Bytes of frame teardown at the end of the entry function: pops, leave, ret (or thunk jump). */
unsigned int epilogue_bytes(const unsigned char *b, unsigned int len)
{
	unsigned int e = len, p;

	while (e && b[e - 1] == 0xcc)
		e--;
	if (e >= 1 && b[e - 1] == 0xc3)
		p = e - 1;
	else if (e >= 5 && b[e - 5] == 0xe9)
		p = e - 5;
	else
		return 0;
	if (p && b[p - 1] == 0xc9)
		p--;
	for (;;) {
		if (p >= 2 && b[p - 2] == 0x41 && b[p - 1] >= 0x5d && b[p - 1] <= 0x5f)
			p -= 2;
		else if (p >= 1 && (b[p - 1] == 0x5b || b[p - 1] == 0x59))
			p--;
		else
			break;
	}
	return len - p;
}

static void image_info(struct result *r)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), *func_lens;
	unsigned char *img;

	if (bpf_obj_get_info_by_fd(r->fd, &info, &len))
		return;
	r->image = info.jited_prog_len;
	img = calloc(1, info.jited_prog_len + 1);
	func_lens = calloc(info.nr_jited_func_lens + 1, sizeof(*func_lens));
	if (!img || !func_lens)
		goto out;
	{
		struct bpf_prog_info i2 = {
			.jited_prog_len = info.jited_prog_len,
			.jited_prog_insns = (__u64)(unsigned long)img,
			.nr_jited_func_lens = info.nr_jited_func_lens,
			.jited_func_lens = (__u64)(unsigned long)func_lens,
		};
		unsigned int first;

		len = sizeof(i2);
		if (bpf_obj_get_info_by_fd(r->fd, &i2, &len))
			goto out;
		first = i2.nr_jited_func_lens ? func_lens[0] : r->image;
		if (first > r->image)
			first = r->image;
		r->prologue = prologue_bytes(img, first);
		r->epilogue = epilogue_bytes(img, first);
	}
out:
	free(img);
	free(func_lens);
}

static int load_one(struct bench *bn, int s)
{
	struct result *r = &bn->r[s];
	struct bpf_program *p, *entry = NULL;
	char counter[64];
	long long jited0;
	int err;

	if (write_mode(schemes[s]))
		return r->err = -EIO;
	snprintf(counter, sizeof(counter), "%s_jited", schemes[s]);
	jited0 = stat_value(counter);
	r->obj = bpf_object__open_file(bn->path, NULL);
	if (!r->obj)
		return r->err = -errno;
	err = bpf_object__load(r->obj);
	if (err)
		return r->err = err;
	bpf_object__for_each_program(p, r->obj) {
		if (!entry && (!bn->prog[0] || !strcmp(bpf_program__name(p), bn->prog)))
			entry = p;
	}
	if (!entry)
		return r->err = -ENOENT;
	if (!bn->label[0])
		snprintf(bn->label, sizeof(bn->label), "%s", bpf_program__name(entry));
	fill_prog_arrays(r->obj);
	r->fd = bpf_program__fd(entry);
	r->xdp = bpf_program__type(entry) == BPF_PROG_TYPE_XDP;
	/* altjit counts what each scheme compiled; nothing new under this one: handed back */
	r->handed_back = s && jited0 >= 0 && stat_value(counter) == jited0;
	image_info(r);
	return 0;
}

static int run_one(struct result *r, int trial)
{
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = pkt,
		.data_size_in = sizeof(pkt),
		.repeat = repeat,
	);
	int err = bpf_prog_test_run_opts(r->fd, &o);

	if (err)
		return -errno;
	r->ns[trial] = o.duration;
	r->retval = o.retval;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void trial_stats(const double *ns, int trials, double *min, double *median, double *max)
{
	double v[MAX_TRIALS];

	memcpy(v, ns, sizeof(double) * trials);
	qsort(v, trials, sizeof(double), cmp_double);
	*min = v[0];
	*max = v[trials - 1];
	*median = trials % 2 ? v[trials / 2] : (v[trials / 2 - 1] + v[trials / 2]) / 2;
}

static double ratio(const struct result *a, const struct result *b)
{
	return (!a->err && !b->err && b->median > 0) ? a->median / b->median : 0;
}

/* Did scheme s return something else than stock (both ran)? */
static bool retval_differs(const struct bench *bn, int s)
{
	return s && !bn->r[0].err && !bn->r[s].err && bn->r[s].retval != bn->r[0].retval;
}

static void print_table(FILE *f, const char *kernel)
{
	bool handed_back = false, differs = false;
	char name[32], mpps[16];
	int i, s;

	fprintf(f, "# altjit-bench: kernel %s, %u runs per trial, %d trials, schemes interleaved\n",
		kernel, repeat, trials);
	fprintf(f, "# time: %s\n", clock_note);
	fprintf(f, "%-18s %-10s %7s %9s %9s %12s %21s %9s %9s %7s\n", "program", "scheme", "image",
		"prologue", "epilogue", "ns/run", "spread (min..max)", "/legacy", "/stock", "Mpps");
	for (i = 0; i < nr_benches; i++) {
		struct bench *bn = &benches[i];

		for (s = 0; s < NR_SCHEMES; s++) {
			struct result *r = &bn->r[s];

			if (r->err) {
				fprintf(f, "%-18s %-10s   failed to load or run: %s\n", bn->label, schemes[s],
					strerror(-r->err));
				continue;
			}
			snprintf(name, sizeof(name), "%s%s%s", schemes[s], r->handed_back ? "*" : "",
				 retval_differs(bn, s) ? "!" : "");
			if (r->xdp)
				snprintf(mpps, sizeof(mpps), "%.2f", 1000.0 / r->median);
			else
				snprintf(mpps, sizeof(mpps), "-");
			fprintf(f, "%-18s %-10s %7u %9u %9u %12.2f %10.2f..%-10.2f %9.3f %9.3f %7s\n",
				bn->label, name, r->image, r->prologue, r->epilogue, r->median,
				r->min, r->max, ratio(r, &bn->r[1]), ratio(r, &bn->r[0]), mpps);
			handed_back |= r->handed_back;
			differs |= retval_differs(bn, s);
		}
	}
	if (handed_back)
		fprintf(f, "# * handed back: altjit does not compile this program under that scheme, the stock JIT did (dmesg says why)\n");
	if (differs)
		fprintf(f, "# ! returned something else than under stock: altjit bug, please report\n");
	fprintf(f, "# Mpps: XDP packets per second through BPF_PROG_TEST_RUN (1000 / ns per run)\n");
}

static void print_csv(FILE *f)
{
	int i, s;

	fprintf(f, "program,scheme,image_bytes,prologue_bytes,epilogue_bytes,ns_median,ns_min,ns_max,vs_legacy,vs_stock,compiled_by,retval,mpps\n");
	for (i = 0; i < nr_benches; i++)
		for (s = 0; s < NR_SCHEMES; s++) {
			struct result *r = &benches[i].r[s];

			if (!r->err)
				fprintf(f, "%s,%s,%u,%u,%u,%.2f,%.2f,%.2f,%.4f,%.4f,%s,%d,%.3f\n", benches[i].label,
					schemes[s], r->image, r->prologue, r->epilogue, r->median, r->min,
					r->max, ratio(r, &benches[i].r[1]), ratio(r, &benches[i].r[0]),
					r->handed_back ? "stock" : schemes[s], r->retval,
					r->xdp ? 1000.0 / r->median : 0.0);
		}
}

static void print_json(FILE *f, const char *kernel)
{
	int i, s, first = 1;

	fprintf(f, "{\"kernel\":\"%s\",\"repeat\":%u,\"trials\":%d,\"clock\":\"%s\",\"results\":[",
		kernel, repeat, trials, clock_note);
	for (i = 0; i < nr_benches; i++)
		for (s = 0; s < NR_SCHEMES; s++) {
			struct result *r = &benches[i].r[s];

			if (r->err)
				continue;
			fprintf(f, "%s{\"program\":\"%s\",\"scheme\":\"%s\",\"image_bytes\":%u,\"prologue_bytes\":%u,\"epilogue_bytes\":%u,\"ns_median\":%.2f,\"ns_min\":%.2f,\"ns_max\":%.2f,\"vs_legacy\":%.4f,\"vs_stock\":%.4f,\"compiled_by\":\"%s\",\"retval\":%d,\"mpps\":%.3f}",
				first ? "" : ",", benches[i].label, schemes[s], r->image, r->prologue,
				r->epilogue, r->median, r->min, r->max, ratio(r, &benches[i].r[1]),
				ratio(r, &benches[i].r[0]), r->handed_back ? "stock" : schemes[s],
				r->retval, r->xdp ? 1000.0 / r->median : 0.0);
			first = 0;
		}
	fprintf(f, "]}\n");
}

static void add_bench(const char *spec, const char *label)
{
	struct bench *bn;
	const char *colon = strrchr(spec, ':');

	if (nr_benches == MAX_BENCH)
		return;
	bn = &benches[nr_benches++];
	if (colon) {
		snprintf(bn->path, sizeof(bn->path), "%.*s", (int)(colon - spec), spec);
		snprintf(bn->prog, sizeof(bn->prog), "%s", colon + 1);
	} else {
		snprintf(bn->path, sizeof(bn->path), "%s", spec);
	}
	if (label)
		snprintf(bn->label, sizeof(bn->label), "%s", label);
}

static void add_defaults(const char *argv0)
{
	static const char *const set[][2] = {
		{ "xdp1.bpf.o:xdp1", "xdp1" },
		{ "bpf_flow.bpf.o:_dissect", "bpf_flow" },
		{ "tailchain.bpf.o:link0", "tailcall6_r6-r9" },
		{ "tail33.bpf.o:hop0", "tailcall33_empty" },
		{ "tailind.bpf.o:link0", "tailcall6_indirect" },
		{ "tailmix.bpf.o:mix0", "tailcall6_mixed" },
		{ "calls.bpf.o:calls", "bpf2bpf_calls" },
	};
	char dir[PATH_MAX], spec[PATH_MAX + 64], self[PATH_MAX];
	const char *env = getenv("ALTJIT_BENCH_PROGS");
	unsigned int i;

	if (env) {
		snprintf(dir, sizeof(dir), "%s", env);
	} else {
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		self[n > 0 ? n : 0] = 0;
		snprintf(dir, sizeof(dir), "%s/progs", n > 0 ? dirname(self) : dirname((char *)argv0));
		if (access(dir, R_OK))
			snprintf(dir, sizeof(dir), "/usr/local/lib/altjit/bench");
	}
	for (i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/%.*s", dir,
			 (int)(strchr(set[i][0], ':') - set[i][0]), set[i][0]);
		if (access(path, R_OK)) {
			fprintf(stderr, "altjit-bench: %s not found, skipped\n", path);
			continue;
		}
		snprintf(spec, sizeof(spec), "%s%s", path, strchr(set[i][0], ':'));
		add_bench(spec, set[i][1]);
	}
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	char orig[32] = "", kernel[128];
	struct utsname u;
	int c, i, s, t, failed = 0;
	/* --native: altjit's code generator in userspace, timed on this CPU (native.c) */
	static const struct option longopts[] = { { "native", no_argument, NULL, 'N' }, { 0 } };
	bool native = false;
	int placements = 1;	/* --native: image placements the trials are spread over */

	while ((c = getopt_long(argc, argv, "n:k:p:f:o:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'N': native = true; break;
		case 'n': repeat = strtoul(optarg, NULL, 0); break;
		case 'k': trials = atoi(optarg); break;
		case 'p': placements = atoi(optarg); break;
		case 'f': format = optarg; break;
		case 'o': outdir = optarg; break;
		case 'c': clock_note = optarg; break;
		default:
			fprintf(stderr, "usage: %s [--native [-p PLACEMENTS]] [-n REPEAT] [-k TRIALS] [-f table|csv|json] [-o DIR] [-c CLOCK] [OBJ[:PROG]...]\n",
				argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	if (trials < 1 || trials > MAX_TRIALS || !repeat) {
		fprintf(stderr, "altjit-bench: -k takes 1..%d, -n at least 1\n", MAX_TRIALS);
		return 2;
	}
	if (placements < 1 || placements > 8 || placements > trials) {
		fprintf(stderr, "altjit-bench: -p takes 1..8, at most -k\n");
		return 2;
	}
	if (native) {
#ifdef ALTJIT_NATIVE
		struct native_spec specs[MAX_BENCH];

		libbpf_set_print(libbpf_quiet);
		for (i = optind; i < argc; i++)
			add_bench(argv[i], NULL);
		if (!nr_benches)
			add_defaults(argv[0]);
		for (i = 0; i < nr_benches; i++)
			specs[i] = (struct native_spec){ benches[i].path, benches[i].prog, benches[i].label };
		if (!nr_benches) {
			fprintf(stderr, "altjit-bench: no programs to measure\n");
			return 2;
		}
		return native_bench(specs, nr_benches, repeat, trials, placements, format, outdir);
#else
		fprintf(stderr, "altjit-bench: built without --native (selftests/host was not found at build time)\n");
		return 2;
#endif
	}
	if (geteuid() != 0) {
		fprintf(stderr, "altjit-bench: must run as root (it switches /sys/kernel/altjit/mode and loads BPF programs)\n");
		return 2;
	}
	if (read_mode(orig, sizeof(orig))) {
		fprintf(stderr, "altjit-bench: altjit is not loaded (%s missing): modprobe altjit first\n",
			MODE_FILE);
		return 2;
	}
	uname(&u);
	snprintf(kernel, sizeof(kernel), "%s", u.release);
	libbpf_set_print(libbpf_quiet);
	for (i = optind; i < argc; i++)
		add_bench(argv[i], NULL);
	if (!nr_benches)
		add_defaults(argv[0]);
	if (!nr_benches) {
		fprintf(stderr, "altjit-bench: no programs to measure\n");
		return 2;
	}

	for (i = 0; i < nr_benches; i++)
		for (s = 0; s < NR_SCHEMES; s++)
			if (load_one(&benches[i], s))
				fprintf(stderr, "altjit-bench: %s under %s: load failed: %s\n",
					benches[i].path, schemes[s], strerror(-benches[i].r[s].err));
	write_mode(orig);

	for (t = 0; t < trials; t++)
		for (i = 0; i < nr_benches; i++)
			for (s = 0; s < NR_SCHEMES; s++) {
				struct result *r = &benches[i].r[s];

				if (!r->err)
					r->err = run_one(r, t);
			}
	for (i = 0; i < nr_benches; i++)
		for (s = 0; s < NR_SCHEMES; s++) {
			if (benches[i].r[s].err)
				failed++;
			else
				trial_stats(benches[i].r[s].ns, trials, &benches[i].r[s].min,
					    &benches[i].r[s].median, &benches[i].r[s].max);
			if (retval_differs(&benches[i], s))
				failed++;
		}

	if (!strcmp(format, "csv"))
		print_csv(stdout);
	else if (!strcmp(format, "json"))
		print_json(stdout, kernel);
	else
		print_table(stdout, kernel);
	if (outdir) {
		char path[PATH_MAX];
		FILE *f;

		snprintf(path, sizeof(path), "%s/results.csv", outdir);
		f = fopen(path, "w");
		if (f) {
			print_csv(f);
			fclose(f);
		}
	}
	for (i = 0; i < nr_benches; i++)
		for (s = 0; s < NR_SCHEMES; s++)
			bpf_object__close(benches[i].r[s].obj);
	return failed ? 1 : 0;
}
