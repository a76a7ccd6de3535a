// SPDX-License-Identifier: GPL-2.0
/* Capstone, for the host tests (see env.h; this file must not include x86.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <capstone/capstone.h>

#define HOST_DIS_TEXT	96

int host_dis(const uint8_t *p, uint32_t n, uint64_t ip, char (*text)[HOST_DIS_TEXT], uint32_t *len,
	     uint32_t max);
void host_disasm(FILE *f, const uint8_t *p, uint32_t n, uint64_t ip);

static csh handle;
static int opened;

static int open_cs(void)
{
	if (!opened)
		opened = cs_open(CS_ARCH_X86, CS_MODE_64, &handle) == CS_ERR_OK ? 1 : -1;
	return opened;
}

int host_dis(const uint8_t *p, uint32_t n, uint64_t ip, char (*text)[HOST_DIS_TEXT], uint32_t *len,
	     uint32_t max)
{
	cs_insn *insn;
	size_t cnt, k;

	if (open_cs() < 0)
		return -1;
	cnt = cs_disasm(handle, p, n, ip, max, &insn);
	for (k = 0; k < cnt; k++) {
		char buf[sizeof(insn[k].mnemonic) + sizeof(insn[k].op_str) + 1];

		snprintf(buf, sizeof(buf), "%s%s%s", insn[k].mnemonic, insn[k].op_str[0] ? " " : "",
			 insn[k].op_str);
		memcpy(text[k], buf, HOST_DIS_TEXT - 1);
		text[k][HOST_DIS_TEXT - 1] = 0;
		len[k] = insn[k].size;
	}
	if (cnt)
		cs_free(insn, cnt);
	return (int)cnt;
}

void host_disasm(FILE *f, const uint8_t *p, uint32_t n, uint64_t ip)
{
	static char text[4096][HOST_DIS_TEXT];
	static uint32_t len[4096];
	uint32_t at = 0;
	int cnt, k;

	cnt = host_dis(p, n, ip, text, len, 4096);
	for (k = 0; k < cnt; k++) {
		fprintf(f, "#   %5x: %s\n", at, text[k]);
		at += len[k];
	}
	if (at < n)
		fprintf(f, "#   %5x: (undecodable: %02x)\n", at, p[at]);
}
