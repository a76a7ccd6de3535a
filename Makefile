# altjit top-level Makefile.
#   make                  build altjit.ko for the running kernel
#   make KERNEL=6.1       build against a fetched Debian kernel (6.1, 6.12, 5.10; scripts/kernels.conf)
#   make KDIR=/path       build against any prepared kernel tree or headers
#   make check            the whole test suite: every kernel in QEMU (scripts/check)
#   make check-full       the same with the long runs: more fuzz seeds, longer races, test_progs'
#                         longer list, every CPU model under every guest test (ALTJIT_FULL=1)
#   make check-host       the code-generator tests that need no VM (selftests/host, seconds)
#   make mutants          one deliberate fault at a time: the tests must catch each (selftests/mutants)
#   make bench            the A/B benchmark on the Debian 6.1 kernel in QEMU (ALTJIT_BENCH_KERNEL=7.3: another)
#   make fuzz             differential fuzzing on the Debian 6.1 kernel in QEMU (FUZZ_SECONDS=600, FUZZ_SEED)
#   make install          install altjit-bench and its programs, and altjit-progs (PREFIX=/usr/local, DESTDIR)
#   make dkms-install     add, build and install altjit with DKMS for the running kernel (or KVER=...)
#   make dkms-remove      take every kernel's altjit/<version> out of DKMS again
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
# The compiler the kernel was built with (its CONFIG_CC_VERSION_TEXT), e.g. x86_64-linux-gnu-gcc-14.
# When the host lacks it (trixie-era kernels: gcc-14 on a Debian 12 host), the module is built in
# the Debian 13 build root of scripts/buildroot, as DKMS would on a Debian 13 host, never with
# another compiler. 5.10 (gcc-10) is the one exception: KCC=gcc-12 on the host, as before.
# ALTJIT_M builds another external module (the test modules of selftests/kmod) the same way.
ALTJIT_M ?= $(CURDIR)
KERNEL_CC := $(shell sed -n 's/^CONFIG_CC_VERSION_TEXT="\{0,1\}\([^ "]*\).*/\1/p' $(KDIR)/include/config/auto.conf 2>/dev/null)
ALTJIT_BUILDROOT ?= $(if $(ALTJIT_IN_BUILDROOT)$(KCC),,$(if $(KERNEL_CC),$(if $(shell command -v $(KERNEL_CC)),,1)))

.PHONY: all module clean check check-full check-host mutants bench fuzz tools install dkms-install dkms-remove
all: module

module:
	@test -d "$(KDIR)" || { echo "altjit: no kernel headers at '$(KDIR)' (install linux-headers-$$(uname -r), or use KERNEL=6.1)"; exit 1; }
ifneq ($(ALTJIT_BUILDROOT),)
	@echo "altjit: $(notdir $(KDIR)) was built with $(KERNEL_CC), which this host lacks: building in scripts/buildroot"
	$(CURDIR)/scripts/buildroot run -- make -C $(CURDIR) KDIR=$(KDIR) ALTJIT_M=$(ALTJIT_M) \
		$(if $(ALTJIT_WERROR),ALTJIT_WERROR=$(ALTJIT_WERROR)) $(if $(ALTJIT_NAME),ALTJIT_NAME=$(ALTJIT_NAME)) module
else
	$(MAKE) -C $(KDIR) M=$(ALTJIT_M) $(if $(KCC),CC=$(KCC)) modules
endif

tools:
	$(MAKE) -C scripts/altjit-bench $(if $(KSRC),KSRC=$(KSRC))
	$(MAKE) -C scripts/altjit-progs

# altjit-bench and its built-in program set (bpf_flow too when built with KSRC=<kernel source>);
# altjit-progs (what scheme each loaded program runs).
PREFIX ?= /usr/local
install: tools
	install -D -m 0755 scripts/altjit-bench/altjit-bench $(DESTDIR)$(PREFIX)/bin/altjit-bench
	install -d $(DESTDIR)$(PREFIX)/lib/altjit/bench
	install -m 0644 scripts/altjit-bench/progs/*.bpf.o $(DESTDIR)$(PREFIX)/lib/altjit/bench/
	install -D -m 0755 scripts/altjit-progs/altjit-progs $(DESTDIR)$(PREFIX)/bin/altjit-progs

clean:
	-$(KMAKE) clean 2>/dev/null
	rm -f module/*.o module/.*.cmd
	if [ -d scripts/altjit-bench ]; then $(MAKE) -C scripts/altjit-bench clean; fi
	if [ -d scripts/altjit-progs ]; then $(MAKE) -C scripts/altjit-progs clean; fi

check:
	scripts/check

check-full:
	ALTJIT_FULL=1 scripts/check

check-host:
	selftests/host/run.sh

mutants:
	scripts/mutants

bench:
	scripts/bench $(ALTJIT_BENCH_KERNEL)

# Differential fuzzing (issue 4): scripts/fuzz reads FUZZ_SECONDS, FUZZ_SEED, FUZZ_KERNEL.
fuzz:
	scripts/fuzz

# --- DKMS (issue 6) ---------------------------------------------------------------------------
# dkms-install replaces whatever DKMS holds of altjit/<version> with this tree's source, then
# builds and installs it (updates/dkms, depmod) for KVER: the running kernel by default, or the
# kernel of KERNEL=6.1 / KDIR=.../linux-headers-<kver> (passed to dkms as --kernelsourcedir).
# KVER may list several kernels. Nothing is loaded: `modprobe altjit mode=...` does that.
# DKMS_FLAGS passes options through (e.g. --dkmstree/--installtree/--no-depmod for a private tree,
# with DKMS_SOURCE_TREE for the matching --sourcetree).
DKMS ?= dkms
DKMS_FLAGS ?=
DKMS_SOURCE_TREE ?= /usr/src
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' $(CURDIR)/dkms.conf)
DKMS_SRC = $(DKMS_SOURCE_TREE)/altjit-$(DKMS_VERSION)
DKMS_KSRC = $(if $(KERNEL)$(filter command line,$(origin KDIR)),--kernelsourcedir $(KDIR))
DKMS_KVER = $(or $(KVER),$(if $(DKMS_KSRC),$(patsubst linux-headers-%,%,$(filter linux-headers-%,$(notdir $(KDIR))))),$(shell uname -r))
DKMS_ARGS = $(if $(filter-out /usr/src,$(DKMS_SOURCE_TREE)),--sourcetree $(DKMS_SOURCE_TREE)) $(DKMS_FLAGS)
SUDO = $(if $(filter 0,$(shell id -u)),,sudo)

dkms-install: dkms-remove
	@bash -c '. scripts/lib.sh && ensure_host_packages $$HOST_PACKAGES_DKMS'
	@test -n "$(DKMS_KSRC)" -o -d /lib/modules/$(firstword $(DKMS_KVER))/build || { echo "altjit: no headers for $(DKMS_KVER) (apt-get install linux-headers-$(firstword $(DKMS_KVER)), or KERNEL=6.1 / KDIR=...)"; exit 1; }
	$(SUDO) mkdir -p $(DKMS_SRC)
	$(SUDO) cp -a dkms.conf Kbuild Makefile module include $(DKMS_SRC)/
	$(SUDO) $(DKMS) add altjit/$(DKMS_VERSION) $(DKMS_ARGS)
	$(SUDO) $(DKMS) build altjit/$(DKMS_VERSION) $(foreach k,$(DKMS_KVER),-k $(k)) $(DKMS_KSRC) $(DKMS_ARGS)
	$(SUDO) $(DKMS) install altjit/$(DKMS_VERSION) $(foreach k,$(DKMS_KVER),-k $(k)) $(DKMS_KSRC) $(DKMS_ARGS)
	@echo "altjit: installed for $(DKMS_KVER); load it with: sudo modprobe altjit mode=optimized"

# Uninstalls from every kernel, depmods, and deletes the source; fine when nothing was added.
dkms-remove:
	@if command -v $(DKMS) >/dev/null && $(SUDO) $(DKMS) status altjit/$(DKMS_VERSION) $(DKMS_ARGS) | grep -q .; then \
		echo "$(DKMS) remove altjit/$(DKMS_VERSION) --all"; \
		$(SUDO) $(DKMS) remove altjit/$(DKMS_VERSION) --all $(DKMS_ARGS) || exit 1; \
	fi
	$(SUDO) rm -rf $(DKMS_SRC)
