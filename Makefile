# altjit top-level Makefile.
#   make                  build altjit.ko for the running kernel
#   make KERNEL=6.1       build against a fetched Debian kernel (6.1, 6.12, 5.10; scripts/kernels.conf)
#   make KDIR=/path       build against any prepared kernel tree or headers
#   make check            the whole test suite: every kernel in QEMU (scripts/check)
#   make check-host       the code-generator tests that need no VM (selftests/host, seconds)
#   make bench            the A/B benchmark on the Debian 6.1 kernel in QEMU
SHELL := /bin/bash
KERNEL ?=
ifneq ($(KERNEL),)
KDIR ?= $(shell scripts/fetch-kernel --kdir $(KERNEL))
else
KDIR ?= /lib/modules/$(shell uname -r)/build
endif
KDIR := $(KDIR)
# Debian's 5.10 headers name gcc-10; Debian 12 builds them with its own gcc-12 (no gcc-10 needed).
KCC ?= $(if $(findstring 5.10.,$(notdir $(KDIR))),gcc-12)
KMAKE = $(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(KCC),CC=$(KCC))

.PHONY: all module clean check check-host bench tools install dkms-install dkms-remove
all: module

module:
	@test -d "$(KDIR)" || { echo "altjit: no kernel headers at '$(KDIR)' (install linux-headers-$$(uname -r), or use KERNEL=6.1)"; exit 1; }
	$(KMAKE) modules

tools:
	$(MAKE) -C scripts/altjit-bench

clean:
	-$(KMAKE) clean 2>/dev/null
	rm -f module/*.o module/.*.cmd
	$(MAKE) -C scripts/altjit-bench clean

check:
	scripts/check

bench:
	scripts/bench
check-host:
	selftests/host/run.sh

