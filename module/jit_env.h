/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the code generator needs from its surroundings: fixed-width types, struct bpf_insn and the
 * BPF opcode macros, errno values. The kernel takes them from its own headers; userspace builds
 * (selftests/host) from the UAPI headers plus the few kernel-internal opcodes defined below.
 */
#ifndef _ALTJIT_JIT_ENV_H
#define _ALTJIT_JIT_ENV_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/filter.h>
#else
#include <errno.h>
#include <linux/bpf.h>
#define BPF_REG_AX		MAX_BPF_REG
#define BPF_TAIL_CALL		0xf0
#define BPF_PROBE_MEM		0x20
#endif

/* Opcodes newer than some supported kernels' headers (the verifier never hands them over there). */
#ifndef BPF_ATOMIC
#define BPF_ATOMIC		0xc0
#endif
#ifndef BPF_FETCH
#define BPF_FETCH		0x01
#define BPF_XCHG		(0xe0 | BPF_FETCH)
#define BPF_CMPXCHG		(0xf0 | BPF_FETCH)
#endif
#ifndef BPF_LOAD_ACQ
#define BPF_LOAD_ACQ		0x100	/* 6.15+: dst = load_acquire(src + off) */
#define BPF_STORE_REL		0x110	/* 6.15+: store_release(dst + off, src) */
#endif
#ifndef BPF_PSEUDO_FUNC
#define BPF_PSEUDO_FUNC		4
#endif
#ifndef BPF_NOSPEC
#define BPF_NOSPEC		0xc0
#endif
#ifndef BPF_MEMSX
#define BPF_MEMSX		0x80
#endif
#ifndef BPF_PROBE_MEMSX
#define BPF_PROBE_MEMSX		0x40
#endif

static inline int bpf_size_bytes(int size)
{
	switch (size) {
	case BPF_B: return 1;
	case BPF_H: return 2;
	case BPF_W: return 4;
	}
	return 8;
}

#endif /* _ALTJIT_JIT_ENV_H */
