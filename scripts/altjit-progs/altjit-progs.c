// SPDX-License-Identifier: GPL-2.0
/*
 * altjit-progs: every loaded BPF program, like `bpftool prog show`, plus the frame scheme that
 * compiled it, read from its JIT image alone (so it also works for programs loaded before altjit
 * or after rmmod), the image's frame (prologue and epilogue bytes, pushed callee-saved registers,
 * tail-call counter) and, for altjit's programs, the bytes saved against a stock-JIT'ed copy of
 * the same program when one is loaded. Read-only: it opens programs and links by id, never
 * changes one.
 *
 *   altjit-progs [-j] [-i ID] [-n NAME] [-t TYPE] [-s SCHEME]
 *
 * How the scheme is told (module/frame.c has the layouts; the stock JIT is the kernel's own
 * arch/x86/net/bpf_jit_comp.c of 5.10, 6.1 and 6.12):
 *   legacy     the marker nopl 0x414a4c47(%rax) at the tail-call entry (after its endbr64);
 *   stock      the epilogue sits at the function's first BPF_EXIT (the image ends with the jump
 *              back to it), or the stock JIT's tail-call counter code (5.10/6.1: a 4-byte
 *              load/store of the counter; 6.12: a disp32 load of the counter pointer that fits
 *              disp8, the counter increment before the pops);
 *   optimized  the keep-frame marker (xor eax,eax as 33 c0, 6.12+: 48 33 c0, after the patch site:
 *              a program with an indirect tail call), or the epilogue after the last instruction
 *              although the function exits earlier too
 *              (from its xlated instructions), or altjit's counter code (8-byte slot, shr/shl 32;
 *              6.12: disp8 pointer load, pops before the increment);
 *   stock/optimized  none of these: a function whose only exit is its last instruction and that
 *              makes no tail call is laid out byte for byte alike by both (the "why" says so).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "frame.h"

struct prog {
	__u32 id, type, uid, jited_len, xlated_len, nfunc;
	char name[BPF_OBJ_NAME_LEN];
	unsigned char tag[BPF_TAG_SIZE];
	__u64 load_time;
	struct func *funcs;
	enum scheme scheme;
	long saved;		/* bytes saved vs a stock copy */
	__u32 saved_vs;		/* that copy's id; 0: unknown */
	char attach[512];	/* links */
	char holders[512];	/* processes with an fd */
};

/* ---- the programs ---- */

static struct prog *progs;
static int nprogs;

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Function starts in the xlated instructions: from func info, or from the bpf2bpf calls (their
 * off is the callee's relative start there). Returns how many (0: unknown).
 */
static __u32 func_starts(const struct bpf_insn *in, __u32 n, const struct bpf_func_info *fi,
			 __u32 nfi, __u32 *starts, __u32 max)
{
	__u32 k = 0, i, j;

	if (nfi) {
		for (i = 0; i < nfi && i < max; i++)
			starts[i] = fi[i].insn_off;
		return nfi <= max ? nfi : 0;
	}
	starts[k++] = 0;
	for (i = 0; i < n; i++) {
		long t;

		if (in[i].code == (BPF_LD | BPF_IMM | BPF_DW) && in[i].src_reg == BPF_PSEUDO_FUNC)
			return 0;	/* a callback: its start is not in the dump */
		if (in[i].code != (BPF_JMP | BPF_CALL) || in[i].src_reg != BPF_PSEUDO_CALL)
			continue;
		t = (long)i + in[i].off + 1;
		if (t <= 0 || t >= (long)n)
			return 0;
		for (j = 0; j < k && starts[j] != (__u32)t; j++)
			;
		if (j == k) {
			if (k == max)
				return 0;
			starts[k++] = t;
		}
	}
	qsort(starts, k, sizeof(*starts), cmp_u32);
	return k;
}

static int read_prog(__u32 id, struct prog *pr)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), nf, nfi, *flens = NULL, starts[256], ns = 0, i, off = 0;
	struct bpf_func_info *fi = NULL;
	struct bpf_insn *xl = NULL;
	unsigned char *img = NULL;
	int fd, err = 0;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto out;
	}
	memset(pr, 0, sizeof(*pr));
	pr->id = id;
	pr->type = info.type;
	pr->uid = info.created_by_uid;
	pr->load_time = info.load_time;
	pr->jited_len = info.jited_prog_len;
	pr->xlated_len = info.xlated_prog_len;
	memcpy(pr->name, info.name, sizeof(pr->name));
	pr->name[sizeof(pr->name) - 1] = '\0';
	memcpy(pr->tag, info.tag, sizeof(pr->tag));
	pr->scheme = S_NONE;
	if (!info.jited_prog_len)
		goto out;
	nf = info.nr_jited_func_lens ? info.nr_jited_func_lens : 1;
	nfi = info.nr_func_info;
	img = calloc(1, info.jited_prog_len);
	flens = calloc(nf, sizeof(*flens));
	xl = info.xlated_prog_len ? calloc(1, info.xlated_prog_len) : NULL;
	fi = nfi ? calloc(nfi, sizeof(*fi)) : NULL;
	if (!img || !flens || (info.xlated_prog_len && !xl) || (nfi && !fi)) {
		err = -ENOMEM;
		goto out;
	}
	{
		struct bpf_prog_info i2 = {
			.jited_prog_len = info.jited_prog_len,
			.jited_prog_insns = (__u64)(unsigned long)img,
			.nr_jited_func_lens = info.nr_jited_func_lens,
			.jited_func_lens = (__u64)(unsigned long)flens,
			.xlated_prog_len = info.xlated_prog_len,
			.xlated_prog_insns = (__u64)(unsigned long)xl,
			.nr_func_info = nfi,
			.func_info_rec_size = sizeof(*fi),
			.func_info = (__u64)(unsigned long)fi,
		};

		len = sizeof(i2);
		if (bpf_obj_get_info_by_fd(fd, &i2, &len)) {
			err = -errno;
			goto out;
		}
		if (i2.jited_prog_len != info.jited_prog_len) {
			err = -EAGAIN;
			goto out;
		}
		if (!info.nr_jited_func_lens)
			flens[0] = info.jited_prog_len;
		if (i2.func_info_rec_size != sizeof(*fi))
			nfi = 0;
		if (xl && i2.xlated_prog_len == info.xlated_prog_len)
			ns = func_starts(xl, info.xlated_prog_len / sizeof(*xl), fi, nfi, starts, 256);
	}
	pr->nfunc = nf;
	pr->funcs = calloc(nf, sizeof(*pr->funcs));
	if (!pr->funcs) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nf; i++) {
		struct func *f = &pr->funcs[i];
		int early = -1;

		f->off = off;
		f->len = flens[i];
		if (off + f->len > info.jited_prog_len)
			f->len = off < info.jited_prog_len ? info.jited_prog_len - off : 0;
		if (ns == nf) {
			__u32 end = i + 1 < ns ? starts[i + 1] : info.xlated_prog_len / sizeof(*xl), k;

			early = 0;
			for (k = starts[i]; k + 1 < end; k++)
				if (xl[k].code == (BPF_JMP | BPF_EXIT))
					early = 1;
		}
		analyse_func(f, img + off, early);
		off += f->len;
	}
	/* the program's scheme: its functions' */
	pr->scheme = pr->funcs[0].scheme;
	for (i = 1; i < nf; i++) {
		enum scheme s = pr->funcs[i].scheme, p = pr->scheme;

		if (s == p || s == S_SAME)
			continue;
		if (s == S_UNDET && p != S_LEGACY) {
			if (p == S_SAME)
				pr->scheme = S_UNDET;
			continue;
		}
		if ((p == S_SAME || p == S_UNDET) && s != S_LEGACY)
			pr->scheme = s;
		else
			pr->scheme = (s == S_UNKNOWN || p == S_UNKNOWN) ? S_UNKNOWN : S_MIXED;
	}
	if (pr->scheme == S_SAME || pr->scheme == S_UNDET)
		for (i = 0; i < nf; i++)
			if (pr->funcs[i].scheme == S_LEGACY)
				pr->scheme = S_MIXED;
out:
	free(img);
	free(flens);
	free(xl);
	free(fi);
	close(fd);
	return err;
}

static struct prog *find_prog(__u32 id)
{
	int i;

	for (i = 0; i < nprogs; i++)
		if (progs[i].id == id)
			return &progs[i];
	return NULL;
}

static void append(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

/* Links: "link ID TYPE [detail]" per program. */
static void read_links(void)
{
	__u32 id = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		const char *t;
		struct prog *pr;
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || !(pr = find_prog(info.prog_id))) {
			close(fd);
			continue;
		}
		close(fd);
		t = libbpf_bpf_link_type_str(info.type);
		append(pr->attach, sizeof(pr->attach), "%slink %u %s", pr->attach[0] ? ", " : "", id,
		       t ? t : "?");
		switch (info.type) {
		case BPF_LINK_TYPE_XDP:
			append(pr->attach, sizeof(pr->attach), " ifindex %u", info.xdp.ifindex);
			break;
		case BPF_LINK_TYPE_CGROUP:
			append(pr->attach, sizeof(pr->attach), " cgroup %llu",
			       (unsigned long long)info.cgroup.cgroup_id);
			break;
		case BPF_LINK_TYPE_NETNS:
			append(pr->attach, sizeof(pr->attach), " netns %u", info.netns.netns_ino);
			break;
		case BPF_LINK_TYPE_TRACING: {
			const char *a = libbpf_bpf_attach_type_str(info.tracing.attach_type);

			append(pr->attach, sizeof(pr->attach), " %s", a ? a : "?");
			if (info.tracing.target_obj_id)
				append(pr->attach, sizeof(pr->attach), " prog %u", info.tracing.target_obj_id);
			break;
		}
		default:
			break;
		}
	}
}

/* Holders: processes with an fd on the program (its own, or a link's): /proc/PID/fdinfo. */
static void read_holders(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();

	if (!proc)
		return;
	while ((de = readdir(proc))) {
		char path[300], comm[64] = "?", line[128];
		DIR *fds;
		struct dirent *fe;
		FILE *f;
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]) || (pid = atoi(de->d_name)) == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if ((f = fopen(path, "r"))) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
		if (!(fds = opendir(path)))
			continue;
		while ((fe = readdir(fds))) {
			if (fe->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, fe->d_name);
			if (!(f = fopen(path, "r")))
				continue;
			while (fgets(line, sizeof(line), f)) {
				unsigned int pid_id;
				struct prog *pr;
				char tag[80];

				if (sscanf(line, "prog_id: %u", &pid_id) != 1 || !(pr = find_prog(pid_id)))
					continue;
				snprintf(tag, sizeof(tag), "%d(%s)", pid, comm);
				if (!strstr(pr->holders, tag))
					append(pr->holders, sizeof(pr->holders), "%s%s",
					       pr->holders[0] ? " " : "", tag);
			}
			fclose(f);
		}
		closedir(fds);
	}
	closedir(proc);
}

/* Bytes saved: against a program of the same tag and type that the stock JIT compiled. */
static void find_saved(void)
{
	int i, j;

	for (i = 0; i < nprogs; i++) {
		struct prog *p = &progs[i];

		if (p->scheme != S_OPT && p->scheme != S_LEGACY)
			continue;
		for (j = 0; j < nprogs; j++) {
			struct prog *q = &progs[j];

			if (q->scheme == S_STOCK && q->type == p->type &&
			    !memcmp(q->tag, p->tag, sizeof(p->tag)) && q->xlated_len == p->xlated_len) {
				p->saved = (long)q->jited_len - (long)p->jited_len;
				p->saved_vs = q->id;
				break;
			}
		}
	}
}

/* ---- output ---- */

static const char *type_name(__u32 t)
{
	const char *s = libbpf_bpf_prog_type_str(t);
	static char buf[16];

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "type%u", t);
	return buf;
}

static void regs_str(unsigned int regs, char *buf, size_t size)
{
	int r;

	buf[0] = '\0';
	for (r = 0; r < R_NREGS; r++)
		if (regs & (1 << r))
			append(buf, size, "%s%s", buf[0] ? "," : "", reg_names[r]);
	if (!buf[0])
		snprintf(buf, size, "-");
}

static void time_str(__u64 load_ns, char *buf, size_t size)
{
	struct timespec real, boot;
	time_t t;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	/* load_time is CLOCK_BOOTTIME; whole nanoseconds, so that two runs print the same second */
	t = (time_t)(((__s64)real.tv_sec * 1000000000ll + real.tv_nsec -
		      ((__s64)boot.tv_sec * 1000000000ll + boot.tv_nsec) + (__s64)load_ns) / 1000000000ll);
	localtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%S%z", &tm);
}

static void tag_str(const unsigned char *tag, char *buf)
{
	int i;

	for (i = 0; i < BPF_TAG_SIZE; i++)
		sprintf(buf + 2 * i, "%02x", tag[i]);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_json(const struct prog *p, bool first)
{
	char tag[17], t[64], regs[64];
	__u32 i;

	tag_str(p->tag, tag);
	time_str(p->load_time, t, sizeof(t));
	printf("%s{\"id\":%u,\"type\":", first ? "" : ",\n", p->id);
	json_str(type_name(p->type));
	printf(",\"name\":");
	json_str(p->name);
	printf(",\"tag\":\"%s\",\"loaded_at\":\"%s\",\"uid\":%u,\"xlated_bytes\":%u,\"scheme\":\"%s\","
	       "\"image_bytes\":%u", tag, t, p->uid, p->xlated_len, scheme_names[p->scheme],
	       p->jited_len);
	if (p->nfunc) {
		const struct func *f = &p->funcs[0];

		regs_str(f->regs, regs, sizeof(regs));
		printf(",\"prologue_bytes\":%d,\"epilogue_bytes\":%d,\"pushes\":\"%s\","
		       "\"tail_call_counter\":%s", f->prologue, f->epilogue, regs,
		       f->counter ? "true" : "false");
	}
	if (p->saved_vs)
		printf(",\"saved_bytes\":%ld,\"saved_vs_id\":%u", p->saved, p->saved_vs);
	else
		printf(",\"saved_bytes\":null");
	printf(",\"attached\":");
	json_str(p->attach);
	printf(",\"held_by\":");
	json_str(p->holders);
	printf(",\"functions\":[");
	for (i = 0; i < p->nfunc; i++) {
		const struct func *f = &p->funcs[i];

		regs_str(f->regs, regs, sizeof(regs));
		printf("%s{\"image_bytes\":%u,\"prologue_bytes\":%d,\"epilogue_bytes\":%d,"
		       "\"pushes\":\"%s\",\"tail_call_counter\":%s,\"scheme\":\"%s\",\"why\":",
		       i ? "," : "", f->len, f->prologue, f->epilogue, regs,
		       f->counter ? "true" : "false", scheme_names[f->scheme]);
		json_str(f->why);
		putchar('}');
	}
	printf("]}");
}

static void print_row(const struct prog *p)
{
	char tag[17], t[64], regs[64], saved[48] = "-";
	const struct func *f = p->nfunc ? &p->funcs[0] : NULL;
	__u32 i;

	tag_str(p->tag, tag);
	time_str(p->load_time, t, sizeof(t));
	regs_str(f ? f->regs : 0, regs, sizeof(regs));
	if (p->saved_vs)
		snprintf(saved, sizeof(saved), "%+ld (vs %u)", p->saved, p->saved_vs);
	else if (p->scheme == S_OPT || p->scheme == S_LEGACY)
		snprintf(saved, sizeof(saved), "unknown");
	printf("%6u %-14.14s %-16s %s %-24s %-15s %6u %4d %4d %-16s %-4s %s\n", p->id,
	       type_name(p->type), p->name[0] ? p->name : "-", tag, t, scheme_names[p->scheme],
	       p->jited_len, f ? f->prologue : -1, f ? f->epilogue : -1, regs,
	       f ? (f->counter ? "yes" : "no") : "-", saved);
	for (i = 0; p->nfunc > 1 && i < p->nfunc; i++) {
		f = &p->funcs[i];
		regs_str(f->regs, regs, sizeof(regs));
		printf("       func %u: %u bytes, prologue %d, epilogue %d, pushes %s, counter %s, %s (%s)\n",
		       i, f->len, f->prologue, f->epilogue, regs, f->counter ? "yes" : "no",
		       scheme_names[f->scheme], f->why);
	}
	if (p->nfunc == 1)
		printf("       why: %s\n", p->funcs[0].why);
	if (p->attach[0])
		printf("       attached: %s\n", p->attach);
	if (p->holders[0])
		printf("       held by: %s\n", p->holders);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: altjit-progs [-j] [-i ID] [-n NAME] [-t TYPE] [-s SCHEME]\n"
		"  every loaded BPF program with the frame scheme read from its JIT image:\n"
		"  stock, legacy, optimized, stock/optimized (laid out alike by both), interpreter\n"
		"  -j  JSON (an array, one program per line)\n"
		"  -i ID, -n NAME, -t TYPE (e.g. xdp, sched_cls), -s SCHEME: only those\n");
}

int main(int argc, char **argv)
{
	const char *name = NULL, *type = NULL, *scheme = NULL;
	int c, i, shown = 0, count[S_NR] = {};
	bool json = false, first = true;
	__u32 id = 0, only = 0;

	while ((c = getopt(argc, argv, "ji:n:t:s:h")) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'i': only = strtoul(optarg, NULL, 0); break;
		case 'n': name = optarg; break;
		case 't': type = optarg; break;
		case 's': scheme = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (scheme) {
		for (i = 0; i < S_NR && strcmp(scheme, scheme_names[i]); i++)
			;
		if (i == S_NR) {
			fprintf(stderr, "altjit-progs: unknown scheme '%s'\n", scheme);
			return 2;
		}
	}
	while (!bpf_prog_get_next_id(id, &id)) {
		struct prog pr;

		if (read_prog(id, &pr))
			continue;	/* freed meanwhile */
		progs = realloc(progs, (nprogs + 1) * sizeof(*progs));
		if (!progs)
			return 1;
		progs[nprogs++] = pr;
	}
	if (errno != ENOENT) {
		fprintf(stderr, "altjit-progs: BPF_PROG_GET_NEXT_ID: %s\n", strerror(errno));
		return 1;
	}
	read_links();
	read_holders();
	find_saved();
	if (json)
		printf("[");
	else
		printf("%6s %-14s %-16s %-16s %-24s %-15s %6s %4s %4s %-16s %-4s %s\n", "id", "type",
		       "name", "tag", "loaded", "scheme", "image", "pro", "epi", "pushes", "tcc",
		       "saved vs stock");
	for (i = 0; i < nprogs; i++) {
		struct prog *p = &progs[i];

		if ((only && p->id != only) || (name && strcmp(name, p->name)) ||
		    (type && strcmp(type, type_name(p->type))) ||
		    (scheme && strcmp(scheme, scheme_names[p->scheme])))
			continue;
		shown++;
		count[p->scheme]++;
		if (json) {
			print_json(p, first);
			first = false;
		} else {
			print_row(p);
		}
	}
	if (json) {
		printf("]\n");
	} else {
		printf("%d program%s: %d stock, %d legacy, %d optimized, %d stock/optimized (identical)",
		       shown, shown == 1 ? "" : "s", count[S_STOCK], count[S_LEGACY], count[S_OPT], count[S_SAME]);
		if (count[S_UNDET])
			printf(", %d stock/optimized undetermined", count[S_UNDET]);
		if (count[S_NONE])
			printf(", %d interpreter", count[S_NONE]);
		if (count[S_UNKNOWN] + count[S_MIXED])
			printf(", %d unknown", count[S_UNKNOWN] + count[S_MIXED]);
		printf("\n");
	}
	return 0;
}
