// SPDX-License-Identifier: GPL-2.0
/*
 * altjit-bench --native: the results (native.h), as a table, CSV or JSON on stdout; with -o DIR,
 * the CSV and every compiled function's image in DIR too.
 */
#include <string.h>
#include "native.h"

static double vs_legacy(const struct nbench *b, int s)
{
	return usable(b, 0) && usable(b, s) && b->r[0].median > 0 ? b->r[s].median / b->r[0].median : 0;
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, len, "unknown CPU");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
			char *p = strchr(line, ':') + 1;

			while (*p == ' ' || *p == '\t')
				p++;
			p[strcspn(p, "\n")] = 0;
			snprintf(buf, len, "%s", p);
			break;
		}
	fclose(f);
}

static void print_table(FILE *f, struct nbench *bs, int n, unsigned int repeat, int trials,
			int placements)
{
	char cpu[128];
	int i, s;

	cpu_model(cpu, sizeof(cpu));
	fprintf(f, "# altjit-bench --native: native (userspace, real CPU; no kernel): %s, %u runs per trial, %d trials, schemes interleaved\n",
		cpu, repeat, trials);
	if (placements > 1)
		fprintf(f, "# the trials spread over %d image placements (every image 0, 8, ..., %d bytes past a 64-byte boundary, recompiled and checked at each)\n",
			placements, 8 * (placements - 1));
	fprintf(f, "# time: wall-clock ns per invocation of the emitted code, called in a tight loop (helpers are userspace functions)\n");
	fprintf(f, "%-18s %-10s %7s %9s %9s %12s %21s %9s\n", "program", "scheme", "image", "prologue",
		"epilogue", "ns/run", "spread (min..max)", "/legacy");
	for (i = 0; i < n; i++) {
		struct nbench *b = &bs[i];

		for (s = 0; s < N_SCHEMES; s++) {
			struct nresult *r = &b->r[s];

			if (b->why[0])
				fprintf(f, "%-18s %-10s   not supported natively: %s\n", b->label, scheme_names[s],
					b->why);
			else if (r->why[0])
				fprintf(f, "%-18s %-10s   %s%s\n", b->label, scheme_names[s],
					r->failed ? "FAILED: " : "not supported natively: ", r->why);
			else
				fprintf(f, "%-18s %-10s %7u %9u %9u %12.2f %10.2f..%-10.2f %9.3f\n", b->label,
					scheme_names[s], r->image, r->prologue, r->epilogue, r->median, r->min,
					r->max, vs_legacy(b, s));
		}
	}
	fprintf(f, "# stock: no native equivalent (the kernel's own JIT runs only in a kernel; see the in-guest report);\n"
		   "# stock-tc: optimized with the stock 5.10/6.1 JIT's tail-call counter sequence (native_stock.c)\n");
	fprintf(f, "# checked first: r0 and every map, context and packet byte equal selftests/host's reference interpreter's (r0:");
	for (i = 0; i < n; i++)
		if (!bs[i].why[0])
			fprintf(f, " %s %llu", bs[i].label, (unsigned long long)bs[i].ref_r0);
	fprintf(f, ")\n");
}

static void print_csv(FILE *f, struct nbench *bs, int n)
{
	int i, s;

	fprintf(f, "program,scheme,image_bytes,prologue_bytes,epilogue_bytes,ns_median,ns_min,ns_max,vs_legacy,status\n");
	for (i = 0; i < n; i++)
		for (s = 0; s < N_SCHEMES; s++) {
			struct nbench *b = &bs[i];
			struct nresult *r = &b->r[s];

			if (usable(b, s))
				fprintf(f, "%s,%s,%u,%u,%u,%.2f,%.2f,%.2f,%.4f,ok\n", b->label, scheme_names[s],
					r->image, r->prologue, r->epilogue, r->median, r->min, r->max,
					vs_legacy(b, s));
			else
				fprintf(f, "%s,%s,,,,,,,,%s\n", b->label, scheme_names[s],
					r->failed ? "failed" : "unsupported");
		}
}

static void print_json(FILE *f, struct nbench *bs, int n, unsigned int repeat, int trials,
		       int placements)
{
	char cpu[128];
	int i, s, first = 1;

	cpu_model(cpu, sizeof(cpu));
	fprintf(f, "{\"native\":true,\"cpu\":\"%s\",\"repeat\":%u,\"trials\":%d,\"placements\":%d,\"results\":[",
		cpu, repeat, trials, placements);
	for (i = 0; i < n; i++)
		for (s = 0; s < N_SCHEMES; s++) {
			struct nbench *b = &bs[i];
			struct nresult *r = &b->r[s];

			if (!usable(b, s))
				continue;
			fprintf(f, "%s{\"program\":\"%s\",\"scheme\":\"%s\",\"image_bytes\":%u,\"prologue_bytes\":%u,\"epilogue_bytes\":%u,\"ns_median\":%.2f,\"ns_min\":%.2f,\"ns_max\":%.2f,\"vs_legacy\":%.4f}",
				first ? "" : ",", b->label, scheme_names[s], r->image, r->prologue, r->epilogue,
				r->median, r->min, r->max, vs_legacy(b, s));
			first = 0;
		}
	fprintf(f, "]}\n");
}
void report(struct nbench *bs, int n, unsigned int repeat, int trials, int placements,
	    const char *format, const char *outdir)
{
	char path[4096];
	int i, s;
	FILE *f;

	if (!strcmp(format, "csv"))
		print_csv(stdout, bs, n);
	else if (!strcmp(format, "json"))
		print_json(stdout, bs, n, repeat, trials, placements);
	else
		print_table(stdout, bs, n, repeat, trials, placements);
	if (!outdir)
		return;
	snprintf(path, sizeof(path), "%s/results-native.csv", outdir);
	f = fopen(path, "w");
	if (f) {
		print_csv(f, bs, n);
		fclose(f);
	}
	/* and every compiled function: objdump -D -b binary -mi386:x86-64 FILE */
	for (i = 0; i < n; i++)
		for (s = 0; s < N_SCHEMES; s++) {
			uint32_t k, fn;

			if (!usable(&bs[i], s))
				continue;
			for (k = 0; k < bs[i].nprogs; k++)
				for (fn = 0; fn < bs[i].progs[k].nfuncs; fn++) {
					const struct host_jit *j = &bs[i].progs[k].jit[s][fn];

					snprintf(path, sizeof(path), "%s/native-%s-%s-%s-f%u.bin", outdir,
						 bs[i].label, scheme_names[s], bs[i].progs[k].name, fn);
					f = fopen(path, "w");
					if (f) {
						fwrite(j->image, 1, j->size, f);
						fclose(f);
					}
				}
		}
}
