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
#   make setup      install the Debian packages that are missing

TOP := $(CURDIR)
O ?= $(TOP)/build
CROSS_COMPILE ?= aarch64-linux-gnu-
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
	@scripts/build-kernel.sh $(LINUX)

$(LINUX)/Image: | kernel

firmware: kernel
	@$(MAKE) -s -C firmware O=$(O) KSRC=$(KSRC) CROSS_COMPILE=$(CROSS_COMPILE)

# Out-of-tree kernel modules are built from a copy in $(O), keeping the tree clean.
MODULE_DIRS := linux/module tests/kmod
PROD_MODULES := $(O)/kmod/linux/module/tsubaki.ko
modules: kernel
	@for d in $(MODULE_DIRS); do \
		mkdir -p $(O)/kmod/$$d && cp -u $$d/* $(O)/kmod/$$d/ && \
		$(MAKE) -s -C $(KBUILD) M=$(O)/kmod/$$d ARCH=arm64 \
			CROSS_COMPILE=$(CROSS_COMPILE) TSUBAKI_INCLUDE=$(TOP)/include \
			modules || exit 1; \
	done

# The production initramfs loads tsubaki.ko at boot.
userland: kernel modules
	@$(MAKE) -s -C userland O=$(O)/userland CROSS_COMPILE=$(CROSS_COMPILE)
	@$(MAKE) -s -C userland O=$(O)/userland CROSS_COMPILE=$(CROSS_COMPILE) initramfs \
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

run: all
	tools/tsubaki-run --mem $(MEM) --cpus $(CPUS) --disk $(DISK) --disk-size $(DISK_SIZE) \
		--throttle $(THROTTLE) --window $(WINDOW) --grant $(GRANT) --filter $(FILTER) \
		--append "$(APPEND)" \
		$(if $(filter 1,$(SPARE)),--spare) $(if $(filter 1,$(MEMORY)),--memory) \
		$(if $(filter 1,$(COMPRESS)),--compress) $(if $(OVERLAY),--overlay $(OVERLAY))

demo: all
	@scripts/demo.sh $(if $(MODE),--mode $(MODE))

unit: setup
	@$(MAKE) -s -C tests/unit O=$(O)/unit KSRC=$(KSRC)

# --basetemp: each run starts from an empty $(O)/pytest (pytest keeps no older runs there).
systest: all
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

# Crash cycles in a row, every dump checked (tests/soak/soak.py).
SOAK_CYCLES ?= 50
soak: all
	$(PY) tests/soak/soak.py --cycles $(SOAK_CYCLES) $(SOAK_ARGS)

# Benchmarks (bench/README.md); BENCH_ARGS passes options to bench/run.py.
.PHONY: bench bench-quick bench-smoke
bench: all
	$(PY) bench/run.py $(BENCH_ARGS)

bench-quick: all
	$(PY) bench/run.py --quick $(BENCH_ARGS)

bench-smoke: all
	$(PY) bench/run.py --smoke $(BENCH_ARGS)

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
