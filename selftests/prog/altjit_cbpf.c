// SPDX-License-Identifier: GPL-2.0
/*
 * altjit_cbpf: attach a classic BPF socket filter, as any user can, and run it: on one end of an
 * AF_UNIX datagram socketpair, "accept datagrams of 5 bytes or more". Exits 0 when a 10-byte
 * datagram got through and a 2-byte one did not (the filter ran and decided right), 1 otherwise,
 * 2 on a setup error. Loaded without CAP_SYS_ADMIN, the kernel's JIT (and altjit) compile the
 * Spectre-BHB barrier into its exit where the CPU needs one (selftests/guest/25-mitigations.sh).
 */
#include <errno.h>
#include <linux/filter.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 5, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
	char buf[64];
	int sv[2], got_long = 0, got_short = 0;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) ||
	    setsockopt(sv[1], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog))) {
		fprintf(stderr, "altjit_cbpf: setup: %s\n", strerror(errno));
		return 2;
	}
	if (send(sv[0], "0123456789", 10, 0) != 10 || send(sv[0], "01", 2, 0) != 2) {
		fprintf(stderr, "altjit_cbpf: send: %s\n", strerror(errno));
		return 2;
	}
	while ((n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT)) >= 0) {
		if (n == 10)
			got_long++;
		else
			got_short++;
	}
	printf("altjit_cbpf: uid %d: %d long, %d short datagrams through\n", (int)getuid(), got_long,
	       got_short);
	return got_long == 1 && !got_short ? 0 : 1;
}
