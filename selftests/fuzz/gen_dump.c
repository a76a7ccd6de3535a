// SPDX-License-Identifier: GPL-2.0
/* Printing a program, one instruction a line (ajf_dump(), gen.h). */
#include "gen.h"

static const char *alu_name(uint8_t op)
{
	static const char *const n[16] = {
		"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=",
		"end", "?", "?",
	};

	return n[op >> 4];
}

static const char *jmp_name(uint8_t op)
{
	static const char *const n[16] = {
		"ja", "==", ">", ">=", "&", "!=", "s>", "s>=", "call", "exit", "<", "<=", "s<", "s<=",
		"?", "?",
	};

	return n[op >> 4];
}

void ajf_dump(FILE *f, const struct bpf_insn *insns, uint32_t len)
{
	static const char *const sz[4] = { "u32", "u16", "u8", "u64" };
	uint32_t i;

	for (i = 0; i < len; i++) {
		const struct bpf_insn *in = &insns[i];
		uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
		const char *w = (cls == BPF_ALU || cls == BPF_JMP32) ? "w" : "r";

		fprintf(f, "  %3u: %02x ", i, in->code);
		switch (cls) {
		case BPF_ALU:
		case BPF_ALU64:
			if (op == BPF_NEG)
				fprintf(f, "%s%d = -%s%d", w, in->dst_reg, w, in->dst_reg);
			else if (op == BPF_END)
				fprintf(f, "%s%d = %s%d(%s%d)", "r", in->dst_reg,
					cls == BPF_ALU64 ? "bswap" : BPF_SRC(in->code) ? "be" : "le", in->imm,
					"r", in->dst_reg);
			else if (BPF_SRC(in->code) == BPF_X)
				fprintf(f, "%s%d %s%s %s%d", w, in->dst_reg, in->off ? "s" : "", alu_name(op),
					w, in->src_reg);
			else
				fprintf(f, "%s%d %s%s %d", w, in->dst_reg, in->off ? "s" : "", alu_name(op),
					in->imm);
			if (in->off && op == BPF_MOV)
				fprintf(f, " (movsx%d)", in->off);
			break;
		case BPF_JMP:
		case BPF_JMP32:
			if (op == BPF_EXIT)
				fprintf(f, "exit");
			else if (op == BPF_CALL)
				fprintf(f, "call %d%s", in->imm, in->src_reg == BPF_PSEUDO_CALL ? " (bpf2bpf)" : "");
			else if (op == BPF_JA)
				fprintf(f, "goto %+d", cls == BPF_JMP32 ? in->imm : in->off);
			else if (op == 0xf0)
				fprintf(f, "tail_call");
			else if (BPF_SRC(in->code) == BPF_X)
				fprintf(f, "if %s%d %s %s%d goto %+d", w, in->dst_reg, jmp_name(op), w,
					in->src_reg, in->off);
			else
				fprintf(f, "if %s%d %s %d goto %+d", w, in->dst_reg, jmp_name(op), in->imm,
					in->off);
			break;
		case BPF_LD:
			if (i + 1 < len)
				fprintf(f, "r%d = 0x%llx ll%s", in->dst_reg,
					(unsigned long long)((uint64_t)(uint32_t)in->imm |
							     ((uint64_t)(uint32_t)in[1].imm << 32)),
					in->src_reg == BPF_PSEUDO_MAP_FD ? " (map fd)" :
					in->src_reg == BPF_PSEUDO_MAP_VALUE ? " (map value: fd, offset)" :
					in->src_reg == BPF_PSEUDO_FUNC ? " (function: relative)" : "");
			fprintf(f, "\n");
			i++;
			continue;
		case BPF_LDX:
			fprintf(f, "r%d = *(%s%s *)(r%d %+d)", in->dst_reg,
				BPF_MODE(in->code) == 0x80 ? "s" : "", sz[BPF_SIZE(in->code) >> 3],
				in->src_reg, in->off);
			break;
		case BPF_ST:
			fprintf(f, "*(%s *)(r%d %+d) = %d", sz[BPF_SIZE(in->code) >> 3], in->dst_reg, in->off,
				in->imm);
			break;
		case BPF_STX:
			if (BPF_MODE(in->code) == BPF_ATOMIC)
				fprintf(f, "atomic 0x%x *(%s *)(r%d %+d), r%d", in->imm,
					sz[BPF_SIZE(in->code) >> 3], in->dst_reg, in->off, in->src_reg);
			else
				fprintf(f, "*(%s *)(r%d %+d) = r%d", sz[BPF_SIZE(in->code) >> 3], in->dst_reg,
					in->off, in->src_reg);
			break;
		default:
			fprintf(f, "dst=r%d src=r%d off=%d imm=%d", in->dst_reg, in->src_reg, in->off, in->imm);
		}
		fprintf(f, "\n");
	}
}

