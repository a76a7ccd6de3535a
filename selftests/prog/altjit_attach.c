// SPDX-License-Identifier: GPL-2.0
/*
 * altjit_attach: fentry/fexit programs attach to programs altjit compiled, and the hooked programs
 * keep working. For every scheme the mode file offers (or only the running JIT when altjit is not
 * loaded), it loads progs/attach_target.bpf.o (a tc program with a bpf2bpf call), hooks fentry and
 * fexit programs from progs/attach_probe.bpf.o onto its main program and onto its subprogram, runs
 * the target with BPF_PROG_TEST_RUN and checks the target's return value, that every hook fired
 * once per run, and that fexit saw the right return value. The original mode is restored at exit.
 *
 *   altjit_attach [DIR]    DIR holds the two objects (default: progs/ next to this binary)
 *
 * Output is kselftest TAP; the exit status is 0 iff no test point failed.
 *
 *   altjit_attach --jited PROG    write the JIT image of PROG (a pinned path or a program id) to
 *                                 stdout, every function in order: what "bpftool prog dump jited
 *                                 ... file F" writes, for a bpftool built without a disassembler
 *                                 (Debian 12's), which refuses that too
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ajtest.h"

#define PKT_LEN		64
#define RUNS		10

/* Must match progs/attach_target.bpf.c and progs/attach_probe.bpf.c. */
#define AT_HASH_LEN	64
enum { AP_FENTRY_MAIN, AP_FEXIT_MAIN, AP_FENTRY_HASH, AP_FEXIT_HASH, AP_NR };

struct ap_rec {
	__u64 count;
	__u64 last;
	__u64 sum;
};

static const struct {
	const char *prog;	/* in attach_probe.bpf.o */
	const char *func;	/* in attach_target.bpf.o */
	const char *what;	/* for test point names */
	bool fexit;
} hooks[AP_NR] = {
	[AP_FENTRY_MAIN] = { "ap_fentry_main", "at_main", "fentry on at_main", false },
	[AP_FEXIT_MAIN]  = { "ap_fexit_main",  "at_main", "fexit on at_main",  true },
	[AP_FENTRY_HASH] = { "ap_fentry_hash", "at_hash", "fentry on at_hash", false },
	[AP_FEXIT_HASH]  = { "ap_fexit_hash",  "at_hash", "fexit on at_hash",  true },
};

static char target_path[PATH_MAX], probe_path[PATH_MAX];
static unsigned char pkt[PKT_LEN];

/* libbpf's warnings (verifier logs included) as TAP diagnostics, one "# " per line. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[4096], *line, *save = NULL;

	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
	fflush(stdout);
	return 0;
}

/* ---- what the target computes (see progs/attach_target.bpf.c) ---- */

static __u32 expect_hash(const unsigned char *p)
{
	__u32 h = 17;
	int i;

	for (i = 0; i < AT_HASH_LEN; i++)
		h = h * 31 + p[i];
	return h;
}

static __u32 expect_main(const unsigned char *p, __u32 len)
{
	__u32 h = expect_hash(p);

	return ((h ^ (h >> 15)) & 0xffff) + len + p[len - 1];
}

/* Run the target once on pkt; the return value into *retval. */
static int run_target(int fd, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(fd, &opts);
	if (err)
		return err;
	*retval = opts.retval;
	return 0;
}

/* Run the target RUNS times; true if every run returned want. */
static bool run_target_n(int fd, __u32 want, const char *label)
{
	bool good = true;
	__u32 ret;
	int i, err;

	for (i = 0; i < RUNS; i++) {
		err = run_target(fd, &ret);
		if (err) {
			diag("%s: run %d: BPF_PROG_TEST_RUN failed: %s", label, i, strerror(-err));
			return false;
		}
		if (ret != want) {
			diag("%s: run %d returned %u (0x%x), want %u (0x%x)", label, i, ret, ret, want,
			     want);
			good = false;
		}
	}
	return good;
}

static int read_recs(int map_fd, struct ap_rec *recs)
{
	__u32 i;
	int err;

	for (i = 0; i < AP_NR; i++) {
		err = bpf_map_lookup_elem(map_fd, &i, &recs[i]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * One round: scheme is the mode to switch to, or NULL for "whatever JIT is running" (no altjit).
 * Test points stop at the first failure that leaves nothing to test further.
 */
static void run_round(const char *scheme)
{
	const char *label = scheme ? scheme : "running JIT";
	struct bpf_object *tobj = NULL, *pobj = NULL;
	struct bpf_link *links[AP_NR] = {};
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info);
	struct ap_rec recs[AP_NR], after[AP_NR];
	struct bpf_program *tprog;
	struct bpf_map *map;
	__u32 want_main = expect_main(pkt, PKT_LEN), want_hash = expect_hash(pkt), ret;
	long long jited0 = -1, jited1;
	char stat_name[NAME_LEN + 8], cur[NAME_LEN];
	int tfd, map_fd, err, i;
	bool good;

	diag("=== %s", label);
	if (scheme) {
		err = set_mode(scheme, cur);
		point(!err && !strcmp(cur, scheme), "%s: switch mode to %s", label, scheme);
		if (err || strcmp(cur, scheme)) {
			diag("%s: write: %s; mode now [%s]", label, err ? strerror(-err) : "ok", cur);
			return;
		}
		snprintf(stat_name, sizeof(stat_name), "%s_jited", scheme);
		jited0 = read_stat(stat_name);
	} else {
		skip("altjit not loaded", "%s: switch mode", label);
	}

	tobj = bpf_object__open_file(target_path, NULL);
	err = tobj ? bpf_object__load(tobj) : -errno;
	point(!err, "%s: load the target (%s)", label, target_path);
	if (err) {
		diag("%s: %s", label, strerror(-err));
		goto out;
	}
	tprog = bpf_object__find_program_by_name(tobj, "at_main");
	tfd = tprog ? bpf_program__fd(tprog) : -1;
	err = tfd < 0 ? -ENOENT : bpf_obj_get_info_by_fd(tfd, &info, &info_len);
	point(!err && info.jited_prog_len > 0 && info.nr_jited_ksyms == 2,
	      "%s: target is JIT'ed as two functions (at_main, at_hash)", label);
	if (err) {
		diag("%s: at_main: %s", label, strerror(-err));
		goto out;
	}
	diag("%s: target: id %u, jited %u bytes, %u functions", label, info.id, info.jited_prog_len,
	     info.nr_jited_ksyms);

	if (scheme) {
		jited1 = read_stat(stat_name);
		point(jited0 >= 0 && jited1 > jited0, "%s: target compiled by the %s scheme (%s +%lld)",
		      label, scheme, stat_name, jited1 - jited0);
	} else {
		skip("altjit not loaded", "%s: target compiled by the scheme", label);
	}

	err = run_target(tfd, &ret);
	point(!err && ret == want_main, "%s: target returns %u before anything is attached", label,
	      want_main);
	if (err)
		diag("%s: BPF_PROG_TEST_RUN: %s", label, strerror(-err));
	else if (ret != want_main)
		diag("%s: got %u (0x%x)", label, ret, ret);

	pobj = bpf_object__open_file(probe_path, NULL);
	err = pobj ? 0 : -errno;
	if (pobj) {
		for (i = 0; i < AP_NR && !err; i++) {
			struct bpf_program *p = bpf_object__find_program_by_name(pobj, hooks[i].prog);

			err = p ? bpf_program__set_attach_target(p, tfd, hooks[i].func) : -ENOENT;
			if (err)
				diag("%s: %s: set_attach_target(%s): %s", label, hooks[i].prog,
				     hooks[i].func, strerror(-err));
		}
		if (!err)
			err = bpf_object__load(pobj);
	}
	/*
	 * Some hosts (sandboxes) refuse every tracing program to root. That says nothing about a JIT,
	 * but the guests' kernels must allow them: there altjit is loaded and this is a failure.
	 */
	if (err == -EPERM && !scheme) {
		skip("this kernel refuses tracing programs (EPERM)",
		     "%s: load fentry/fexit programs for at_main and at_hash", label);
		goto out;
	}
	point(!err, "%s: load fentry/fexit programs for at_main and at_hash", label);
	if (err) {
		diag("%s: %s", label, strerror(-err));
		goto out;
	}
	map = bpf_object__find_map_by_name(pobj, "recs");
	map_fd = map ? bpf_map__fd(map) : -1;

	good = map_fd >= 0;
	for (i = 0; i < AP_NR; i++) {
		links[i] = bpf_program__attach(bpf_object__find_program_by_name(pobj, hooks[i].prog));
		if (!links[i]) {
			err = -errno;
			diag("%s: attach %s: %s", label, hooks[i].what, strerror(-err));
			good = false;
		}
	}
	point(good, "%s: attach fentry and fexit to at_main and at_hash", label);
	if (!good)
		goto out;

	point(run_target_n(tfd, want_main, label),
	      "%s: target returns %u on each of %d runs while hooked", label, want_main, RUNS);

	err = read_recs(map_fd, recs);
	if (err) {
		point(false, "%s: read the hooks' records", label);
		diag("%s: %s", label, strerror(-err));
		goto out;
	}
	for (i = 0; i < AP_NR; i++) {
		__u32 want = !hooks[i].fexit ? PKT_LEN : i == AP_FEXIT_MAIN ? want_main : want_hash;

		point(recs[i].count == RUNS, "%s: %s fired %d times", label, hooks[i].what, RUNS);
		if (recs[i].count != RUNS)
			diag("%s: %s fired %llu times", label, hooks[i].what,
			     (unsigned long long)recs[i].count);
		point(recs[i].last == want && recs[i].sum == (__u64)want * recs[i].count,
		      hooks[i].fexit ? "%s: %s saw the return value %u every time" :
				       "%s: %s saw skb->len %u every time", label, hooks[i].what, want);
		if (recs[i].last != want || recs[i].sum != (__u64)want * recs[i].count)
			diag("%s: %s: last %llu, sum %llu over %llu calls, want %u each", label,
			     hooks[i].what, (unsigned long long)recs[i].last,
			     (unsigned long long)recs[i].sum, (unsigned long long)recs[i].count, want);
	}

	/* Detaching must leave a working program behind, and no hook firing. */
	for (i = 0; i < AP_NR; i++) {
		bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
	good = run_target_n(tfd, want_main, label);
	err = read_recs(map_fd, after);
	for (i = 0; !err && i < AP_NR; i++)
		if (after[i].count != recs[i].count) {
			diag("%s: %s fired after detaching", label, hooks[i].what);
			good = false;
		}
	point(good && !err, "%s: after detaching, target returns %u and no hook fires", label,
	      want_main);

out:
	for (i = 0; i < AP_NR; i++)
		bpf_link__destroy(links[i]);
	bpf_object__close(pobj);
	bpf_object__close(tobj);
}

/* --jited: the raw JIT image of one program on stdout. */
static int dump_jited(const char *prog)
{
	struct jit_image im;
	size_t done = 0;
	ssize_t n;
	int fd, err;

	fd = prog[0] == '/' ? bpf_obj_get(prog) : bpf_prog_get_fd_by_id(strtoul(prog, NULL, 0));
	if (fd < 0) {
		fprintf(stderr, "altjit_attach: %s: %s\n", prog, strerror(errno));
		return 1;
	}
	err = jit_image_get(fd, &im);
	close(fd);
	if (!err && !im.len) {
		fprintf(stderr, "altjit_attach: %s: not JIT'ed\n", prog);
		return 1;
	}
	if (err) {
		fprintf(stderr, "altjit_attach: %s: %s\n", prog, strerror(-err));
		jit_image_free(&im);
		return 1;
	}
	while (done < im.len) {
		n = write(STDOUT_FILENO, im.bytes + done, im.len - done);
		if (n <= 0) {
			fprintf(stderr, "altjit_attach: write: %s\n", strerror(errno));
			jit_image_free(&im);
			return 1;
		}
		done += n;
	}
	jit_image_free(&im);
	return 0;
}

/* The objects' directory: argv[1], or progs/ next to this binary. */
static int find_objects(int argc, char **argv)
{
	char dir[PATH_MAX];
	ssize_t n;

	if (argc > 1) {
		snprintf(dir, sizeof(dir), "%s", argv[1]);
	} else {
		n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
		if (n < 0)
			return -errno;
		dir[n] = '\0';
		*(strrchr(dir, '/') ?: dir) = '\0';
		strncat(dir, "/progs", sizeof(dir) - strlen(dir) - 1);
	}
	if (snprintf(target_path, sizeof(target_path), "%s/attach_target.bpf.o", dir) >=
	    (int)sizeof(target_path) ||
	    snprintf(probe_path, sizeof(probe_path), "%s/attach_probe.bpf.o", dir) >=
	    (int)sizeof(probe_path))
		return -ENAMETOOLONG;
	return 0;
}

int main(int argc, char **argv)
{
	char text[256], names[MAX_SCHEMES][NAME_LEN];
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	int n, i, err;

	if (argc == 3 && !strcmp(argv[1], "--jited"))
		return dump_jited(argv[2]);
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: altjit_attach [DIR] | altjit_attach --jited PINNED-PATH|ID\n");
		return 2;
	}
	tap_header();
	libbpf_set_print(libbpf_print);
	setrlimit(RLIMIT_MEMLOCK, &rl);	/* 5.10 still charges BPF memory to it */
	err = find_objects(argc, argv);
	if (err) {
		point(false, "find the BPF objects");
		diag("%s", strerror(-err));
		goto done;
	}
	for (i = 0; i < PKT_LEN; i++)
		pkt[i] = (i * 37 + 11) & 0xff;

	if (read_text(MODE_PATH, text, sizeof(text))) {
		diag("no %s: testing the running JIT only", MODE_PATH);
		run_round(NULL);
		goto done;
	}
	diag("mode: %.*s", (int)strcspn(text, "\n"), text);
	n = save_mode(text, names);
	if (n < 0)
		goto done;
	for (i = 0; i < n; i++)
		run_round(names[i]);
	restore_mode();

done:
	return tap_finish();
}
