/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ajtest.h: what the test tools of selftests/prog (altjit_attach, altjit_tailcall, altjit_stress,
 * altjit_fuzz) share, as static inline functions so that each tool stays one .c file.
 *
 *   TAP        tap_header() first, then point() / skip() / diag() lines, tap_finish() last: it
 *              prints the plan ("1..N") and returns the exit status (0 iff no point failed).
 *              Output is kselftest-style TAP 13, every line flushed as it is written.
 *   altjit     read_text() / write_text() for sysfs and procfs files, the mode file
 *              (parse_modes, current_mode, set_mode), one counter of the stats file (read_stat),
 *              and the mode (and bpf_jit_enable) a tool found, restored at exit and on
 *              SIGINT/SIGTERM (save_mode, restore_mode).
 *   JIT image  jit_image_get(): a program's JIT'ed code and the length of each of its functions.
 *   BTF        func_btf_load(): the minimal BTF that func info of bpf2bpf functions refers to.
 */
#ifndef _ALTJIT_AJTEST_H
#define _ALTJIT_AJTEST_H

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
#include <linux/bpf.h>
#include <linux/btf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#define MODE_PATH	"/sys/kernel/altjit/mode"
#define STATS_PATH	"/sys/kernel/altjit/stats"
#define JIT_ENABLE	"/proc/sys/net/core/bpf_jit_enable"
#define NAME_LEN	32	/* a scheme's name, with its NUL */
#define MAX_SCHEMES	8	/* names the mode file may offer */

/* Monotonic seconds. */
static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- TAP ---- */

static int tap_count, tap_failed;

static inline void tap_header(void)
{
	printf("TAP version 13\n");
	fflush(stdout);
}

/* One line: head, the caller's text, " # SKIP reason" if there is a reason, a newline. */
static inline void tap_vline(const char *head, const char *fmt, va_list ap, const char *reason)
{
	fputs(head, stdout);
	vprintf(fmt, ap);
	if (reason)
		printf(" # SKIP %s", reason);
	putchar('\n');
	fflush(stdout);
}

/* A test point: "ok N - text" when pass, else "not ok N - text". */
static inline void __attribute__((format(printf, 2, 3))) point(bool pass, const char *fmt, ...)
{
	char head[32];
	va_list ap;

	snprintf(head, sizeof(head), "%sok %d - ", pass ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	tap_vline(head, fmt, ap, NULL);
	va_end(ap);
	if (!pass)
		tap_failed++;
}

/* A test point that could not run here: "ok N - text # SKIP reason". */
static inline void __attribute__((format(printf, 2, 3)))
skip(const char *reason, const char *fmt, ...)
{
	char head[32];
	va_list ap;

	snprintf(head, sizeof(head), "ok %d - ", ++tap_count);
	va_start(ap, fmt);
	tap_vline(head, fmt, ap, reason);
	va_end(ap);
}

/* A diagnostic line: "# text". */
static inline void __attribute__((format(printf, 1, 2))) diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline("# ", fmt, ap, NULL);
	va_end(ap);
}

/* The plan, last; the tool's exit status. */
static inline int tap_finish(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

/* ---- files: altjit's sysfs, bpf_jit_enable ---- */

/* A small file's contents, NUL-terminated; 0 or -errno. */
static inline int read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	return 0;
}

/* The first line of a small file, without its newline; 0 or -errno (buf untouched then). */
static inline int read_line(const char *path, char *buf, size_t size)
{
	int err = read_text(path, buf, size);

	if (!err)
		buf[strcspn(buf, "\n")] = '\0';
	return err;
}

/* Write text in one write(); 0, -errno, or -EIO when not all of it was taken. */
static inline int write_text(const char *path, const char *text)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		err = -errno;
	else if ((size_t)n != strlen(text))
		err = -EIO;
	close(fd);
	return err;
}

/*
 * Split the mode file ("[stock] legacy optimized") into scheme names; *cur is the index of the
 * bracketed one (-1 if none). Returns the number of names.
 */
static inline int parse_modes(const char *text, char names[][NAME_LEN], int *cur)
{
	const char *p = text;
	int n = 0;

	*cur = -1;
	while (*p && n < MAX_SCHEMES) {
		size_t len;
		bool bracket;

		p += strspn(p, " \t\n");
		if (!*p)
			break;
		bracket = *p == '[';
		if (bracket)
			p++;
		len = strcspn(p, " \t\n]");
		if (len >= NAME_LEN)
			len = NAME_LEN - 1;
		memcpy(names[n], p, len);
		names[n][len] = '\0';
		if (bracket)
			*cur = n;
		p += strcspn(p, " \t\n");
		n++;
	}
	return n;
}

/* The current mode's name into cur (empty if none can be read). */
static inline void current_mode(char cur[NAME_LEN])
{
	char text[256], names[MAX_SCHEMES][NAME_LEN];
	int i;

	cur[0] = '\0';
	if (read_text(MODE_PATH, text, sizeof(text)))
		return;
	parse_modes(text, names, &i);
	if (i >= 0)
		snprintf(cur, NAME_LEN, "%s", names[i]);
}

/* Write a scheme's name to the mode file and read the mode back into cur; the write's result. */
static inline int set_mode(const char *name, char cur[NAME_LEN])
{
	int err = write_text(MODE_PATH, name);

	current_mode(cur);
	return err;
}

/* One counter from the stats file, or -1. */
static inline long long read_stat(const char *name)
{
	char text[4096], *line, *save = NULL;
	size_t len = strlen(name);

	if (read_text(STATS_PATH, text, sizeof(text)))
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, name, len) && line[len] == ' ')
			return strtoll(line + len + 1, NULL, 10);
	return -1;
}

/*
 * What the tool found, put back at exit (restore_mode) and on SIGINT/SIGTERM. orig_jit is
 * bpf_jit_enable, for tools that change it: they fill it in (read_line) before save_mode().
 */
static char orig_mode[NAME_LEN], orig_jit[16];

static inline void restore_on_signal(int sig)
{
	if (orig_mode[0])
		write_text(MODE_PATH, orig_mode);
	if (orig_jit[0])
		write_text(JIT_ENABLE, orig_jit);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * The mode file's text into names (the number of them is returned); the bracketed scheme becomes
 * the one to restore, on SIGINT and SIGTERM too. No bracketed scheme is a failed test point: -1.
 */
static inline int save_mode(const char *text, char names[][NAME_LEN])
{
	int n, cur;

	n = parse_modes(text, names, &cur);
	if (cur < 0) {
		point(false, "the mode file shows the current scheme in brackets");
		return -1;
	}
	snprintf(orig_mode, sizeof(orig_mode), "%s", names[cur]);
	signal(SIGINT, restore_on_signal);
	signal(SIGTERM, restore_on_signal);
	return n;
}

/* The test point that puts the mode save_mode() found back. */
static inline void restore_mode(void)
{
	char cur[NAME_LEN];
	int err = set_mode(orig_mode, cur);

	point(!err && !strcmp(cur, orig_mode), "restore the original mode (%s)", orig_mode);
}

/* ---- JIT images ---- */

struct jit_image {
	unsigned char *bytes;	/* the code of every function, in order */
	__u32 len;		/* 0: not JIT'ed (the interpreter runs it) */
	__u32 nfunc;		/* 1 for a program without bpf2bpf calls */
	__u32 *func_len;	/* nfunc lengths, adding up to len */
};

static inline void jit_image_free(struct jit_image *im)
{
	free(im->bytes);
	free(im->func_len);
	memset(im, 0, sizeof(*im));
}

/*
 * A program's JIT image and its functions' lengths, from bpf_obj_get_info_by_fd(): 0 (with
 * im->len 0 for a program that is not JIT'ed) or -errno. Free with jit_image_free() either way.
 */
static inline int jit_image_get(int fd, struct jit_image *im)
{
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info), size, nf;
	int err;

	memset(im, 0, sizeof(*im));
	err = bpf_obj_get_info_by_fd(fd, &info, &info_len);
	if (err)
		return err;
	size = info.jited_prog_len;
	nf = info.nr_jited_func_lens;
	if (!size)
		return 0;
	im->bytes = calloc(1, size);
	im->func_len = calloc(nf ? nf : 1, sizeof(*im->func_len));
	if (!im->bytes || !im->func_len)
		return -ENOMEM;
	memset(&info, 0, sizeof(info));
	info.jited_prog_len = size;
	info.jited_prog_insns = (__u64)(unsigned long)im->bytes;
	info.nr_jited_func_lens = nf;
	info.jited_func_lens = (__u64)(unsigned long)im->func_len;
	info_len = sizeof(info);
	err = bpf_obj_get_info_by_fd(fd, &info, &info_len);
	if (err)
		return err;
	if (info.jited_prog_len != size)
		return -EAGAIN;	/* the program changed under us */
	im->len = size;
	im->nfunc = nf ? nf : 1;
	if (!nf)
		im->func_len[0] = size;
	return 0;
}

/* ---- BTF for func info ---- */

/*
 * Programs whose subprograms make tail calls need func info (bpf_prog_load_opts.func_info), and
 * func info needs BTF: one prototype, "int f(void *ctx)", and nr static functions of it named
 * names[0..nr-1], whose type ids go to ids. Loaded into the kernel: pass btf__fd() as
 * prog_btf_fd, btf__free() it when done. NULL, errno set, when it cannot be built or loaded.
 */
static inline struct btf *func_btf_load(const char *const names[], int nr, __u32 ids[])
{
	struct btf *btf = btf__new_empty();
	int i32, ptr, proto, id = 0, k, err;

	if (!btf)
		return NULL;
	i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	ptr = btf__add_ptr(btf, 0);
	proto = btf__add_func_proto(btf, i32);
	btf__add_func_param(btf, "ctx", ptr);
	for (k = 0; k < nr && id >= 0; k++) {
		id = btf__add_func(btf, names[k], BTF_FUNC_STATIC, proto);
		ids[k] = (__u32)id;
	}
	if (id < 0 || btf__load_into_kernel(btf)) {
		err = errno;
		btf__free(btf);
		errno = err;
		return NULL;
	}
	return btf;
}

#endif /* _ALTJIT_AJTEST_H */
