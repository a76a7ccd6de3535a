/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The thin kernel-version compatibility layer: everything that differs between the kernels altjit
 * supports (5.10, 6.1, 6.12) is named here once, so the rest of the module reads the same on all.
 */
#ifndef _ALTJIT_COMPAT_H
#define _ALTJIT_COMPAT_H

#include <linux/version.h>
#include <linux/ftrace.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 10, 0)
#error "altjit supports Linux 5.10 and newer"
#endif

/*
 * ftrace callbacks: 5.10 hands them the full pt_regs; 5.11 introduced struct ftrace_regs, whose
 * instruction-pointer setter was renamed in 6.11.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
typedef struct pt_regs aj_ftrace_regs_t;
static inline void aj_ftrace_set_ip(aj_ftrace_regs_t *regs, unsigned long ip)
{
	regs->ip = ip;
}
#define AJ_FTRACE_OPS_FLAGS (FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY | \
			     FTRACE_OPS_FL_RECURSION_SAFE)
#else
typedef struct ftrace_regs aj_ftrace_regs_t;
static inline void aj_ftrace_set_ip(aj_ftrace_regs_t *fregs, unsigned long ip)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
	ftrace_instruction_pointer_set(fregs, ip);
#else
	ftrace_regs_set_instruction_pointer(fregs, ip);
#endif
}
#define AJ_FTRACE_OPS_FLAGS (FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY | \
			     FTRACE_OPS_FL_RECURSION)
#endif

#endif /* _ALTJIT_COMPAT_H */
