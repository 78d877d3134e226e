# SPDX-License-Identifier: BSD-3-Clause
# Tsubaki: a TrustZone crash-dump collector for embedded Linux.
#
#   make            build everything (kernel from the cache, firmware, userland, tools)
#   make run        boot it in QEMU (options: see 'tools/tsubaki-run --help' and README)
#   make demo       the demonstration scenario
#   make test       unit tests + QEMU system tests
#   make unit       host unit tests only
#   make fuzz       fuzz the dump reader, the page-data reader and the LZ4 codecs (FUZZ_SECONDS each)
#   make bench      the paper's evaluation -> bench/results/<date>/ (long; bench/README.md)
#   make bench-arm  figures 7-9 on AArch64 and on ARMv7-A, side by side (bench/README.md)
#   make setup      install the Debian packages that are missing
#
#   ARCH=arm        (make, kernel, firmware, userland, tools, modules, run, demo) the
#                   ARMv7-A system in build/arm instead of the AArch64 one in build/

TOP := $(CURDIR)
# ARCH: arm64 (AArch64: Cortex-A57, GICv3; the default) or arm (ARMv7-A: Cortex-A15,
# GICv2, LPAE). Each has its own build directory: build/ and build/arm/.
ARCH ?= arm64
ifeq ($(ARCH),arm64)
O ?= $(TOP)/build
CROSS_COMPILE ?= aarch64-linux-gnu-
FW_ARCH := aarch64
else ifeq ($(ARCH),arm)
O ?= $(TOP)/build/arm
CROSS_COMPILE ?= arm-linux-gnueabihf-
FW_ARCH := aarch32
else
$(error ARCH=$(ARCH): arm64 (AArch64) or arm (ARMv7-A))
endif
LINUX := $(O)/linux
KBUILD := $(LINUX)/kbuild
KSRC := $(LINUX)/src
PY := /usr/bin/python3

# make run options (also accepted by tools/tsubaki-run directly)
MEM ?= 1024
CPUS ?= 2
DISK ?= $(O)/dump.img
DISK_SIZE ?= 0
THROTTLE ?= 0
APPEND ?=
OVERLAY ?=
WINDOW ?= auto
SPARE ?= 0
MEMORY ?= 0
GRANT ?= 8
FILTER ?= 0
COMPRESS ?= 0

HOSTCC ?= gcc
HOST_CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Werror -Iinclude -Ifirmware/include

.PHONY: all setup kernel firmware userland tools modules run demo test unit systest bigmem soak lint fuzz clean distclean

all: firmware userland tools

setup:
	@scripts/setup.sh

kernel: setup
	@scripts/build-kernel.sh $(LINUX) $(ARCH)

$(LINUX)/Image $(LINUX)/zImage: | kernel

# The firmware names its architectures aarch64 and aarch32 (firmware/arch/).
firmware: kernel
	@$(MAKE) -s -C firmware ARCH=$(FW_ARCH) O=$(O) KSRC=$(KSRC) CROSS_COMPILE=$(CROSS_COMPILE)

# Out-of-tree kernel modules are built from a copy in $(O), keeping the tree clean.
MODULE_DIRS := linux/module tests/kmod
PROD_MODULES := $(O)/kmod/linux/module/tsubaki.ko
modules: kernel
	@for d in $(MODULE_DIRS); do \
		mkdir -p $(O)/kmod/$$d && cp -u $$d/* $(O)/kmod/$$d/ && \
		$(MAKE) -s -C $(KBUILD) M=$(O)/kmod/$$d ARCH=$(ARCH) \
			CROSS_COMPILE=$(CROSS_COMPILE) TSUBAKI_INCLUDE=$(TOP)/include \
			modules || exit 1; \
	done

# The production initramfs loads tsubaki.ko at boot.
userland: kernel modules
	@$(MAKE) -s -C userland O=$(O)/userland ARCH=$(ARCH) CROSS_COMPILE=$(CROSS_COMPILE)
	@$(MAKE) -s -C userland O=$(O)/userland ARCH=$(ARCH) CROSS_COMPILE=$(CROSS_COMPILE) initramfs \
		MODULES="$(PROD_MODULES)" \
		GEN_INIT_CPIO=$(KBUILD)/usr/gen_init_cpio

tools: $(O)/tools/tsubaki-pack $(O)/tools/memcheck $(O)/tools/tsubaki-dump

# tsubaki-dump: list, info, verify and export dumps (docs/analysis.md).
$(O)/tools/tsubaki-dump: $(wildcard tools/dump/*.c tools/dump/*.h) include/tsubaki/dump_format.h \
		include/tsubaki/vmcore_elf.h include/tsubaki/lz4.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -Itools/dump -o $@ $(filter %.c,$^)

# Fuzz the dump reader, the page-data reader and the LZ4 codecs for FUZZ_SECONDS each
# (libFuzzer, Debian's clang; make test: 15 s each), then report the page-data reader's
# and the LZ4 codecs' coverage.
FUZZ_SECONDS ?= 60
fuzz: setup
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

$(O)/tools/memcheck: tests/tools/memcheck.c tests/tools/pattern.h include/tsubaki/dump_format.h \
		include/tsubaki/lz4.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/tools/memcheck.c

$(O)/tools/tsubaki-pack: tools/tsubaki-pack.c firmware/boot/pack.c firmware/lib/crc32.c include/tsubaki/pack.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $(filter %.c,$^)

# ARCH=arm boots the ARMv7-A build (build/arm) on qemu-system-arm.
RUN_ARCH := $(if $(filter arm,$(ARCH)),--arch arm --build $(O))
run: all
	tools/tsubaki-run $(RUN_ARCH) --mem $(MEM) --cpus $(CPUS) --disk $(DISK) --disk-size $(DISK_SIZE) \
		--throttle $(THROTTLE) --window $(WINDOW) --grant $(GRANT) --filter $(FILTER) \
		--append "$(APPEND)" \
		$(if $(filter 1,$(SPARE)),--spare) $(if $(filter 1,$(MEMORY)),--memory) \
		$(if $(filter 1,$(COMPRESS)),--compress) $(if $(OVERLAY),--overlay $(OVERLAY))

demo: all
	@scripts/demo.sh $(if $(MODE),--mode $(MODE)) $(if $(filter arm,$(ARCH)),--arch arm)

unit: setup
	@$(MAKE) -s -C tests/unit O=$(O)/unit KSRC=$(KSRC)

# --basetemp: each run starts from an empty $(O)/pytest (pytest keeps no older runs there).
# The system tests boot both architectures (tests/system/conftest.py, ARCHES): the
# ARMv7-A build in build/arm is made first (its kernel is cached like arm64's).
systest: all
ifeq ($(ARCH),arm64)
	@$(MAKE) -s ARCH=arm all
endif
	$(PY) -m pytest -v --basetemp=$(O)/pytest tests/tools tests/dumptool tests/system \
		--ignore=tests/system/test_bigmem.py

# Big machines (tests/system/test_bigmem.py): BIGMEM_MIB="8192 16384"; minutes each.
BIGMEM_MIB ?= 8192
bigmem: all
	BIGMEM_MIB="$(BIGMEM_MIB)" $(PY) -m pytest -v -s --basetemp=$(O)/pytest-bigmem \
		tests/system/test_bigmem.py

test: setup kernel
	@$(MAKE) -s lint
	@$(MAKE) -s unit
	@$(MAKE) -s fuzz FUZZ_SECONDS=15
	@$(MAKE) -s systest
	@$(MAKE) -s soak SOAK_CYCLES=5
	@$(MAKE) -s bench-smoke
	@$(MAKE) -s bench-smoke BENCH_ARGS="--arch arm"

# Crash cycles in a row, every dump checked (tests/soak/soak.py).
SOAK_CYCLES ?= 50
soak: all
	$(PY) tests/soak/soak.py --cycles $(SOAK_CYCLES) $(SOAK_ARGS)

# Benchmarks (bench/README.md); BENCH_ARGS passes options to bench/run.py.
.PHONY: bench bench-quick bench-smoke bench-arm
bench: all
	$(PY) bench/run.py $(BENCH_ARGS)

bench-quick: all
	$(PY) bench/run.py --quick $(BENCH_ARGS)

bench-smoke: all
	$(PY) bench/run.py --smoke $(BENCH_ARGS)

# The paper's figures 7-9 on both machines, one after the other with the same settings
# (BENCH_ARGS, e.g. --quick), then side by side: bench/results/<date>[-quick]-arm/compare.md.
BENCH_ARM_OUT ?= $(TOP)/bench/results/$(shell date +%F)$(if $(findstring --quick,$(BENCH_ARGS)),-quick)
bench-arm: all
	@$(MAKE) -s ARCH=arm all
	$(PY) bench/run.py --figures acd --out $(BENCH_ARM_OUT)-a64 $(BENCH_ARGS)
	$(PY) bench/run.py --arch arm --out $(BENCH_ARM_OUT)-arm $(BENCH_ARGS)
	$(PY) bench/compare.py $(BENCH_ARM_OUT)-a64 $(BENCH_ARM_OUT)-arm

clean:
	rm -rf $(O)

distclean: clean
	@echo "the kernel cache in $${TSUBAKI_CACHE:-$$HOME/.cache/tsubaki} is kept; remove it by hand"

# Static checks: the kernel modules pass checkpatch --strict, C code passes cppcheck.
CPPCHECK_FLAGS := --quiet --error-exitcode=1 --enable=warning,portability --std=c11 \
	--suppress=missingIncludeSystem -Ifirmware/include -Iinclude \
	-Ifirmware/arch/aarch64/include -Ifirmware/plat/qemu_virt/include
lint: kernel
	@for f in linux/module/*.c tests/kmod/*.c; do \
		perl $(KSRC)/scripts/checkpatch.pl --no-tree --strict -q -f $$f || exit 1; \
	done
	@cppcheck $(CPPCHECK_FLAGS) firmware tools userland tests/tools
	@$(PY) scripts/check-arch-neutral.py firmware
	@echo "lint: checkpatch, cppcheck and the arch-neutral check clean"
