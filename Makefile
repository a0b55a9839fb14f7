# lfvpci: the README's commands.
#   make            build (build/)
#   make check      normal, ThreadSanitizer and ASan+UBSan builds, all tests
#   make bench      optimised build, benchmark table, build/bench.json, and a
#                   summary of same-run ratios against the baselines
#   make plots      build/bench.json rendered as PNG charts (build/plots/)
#   make perf       read workloads under perf stat and callgrind
#   make xen-check  the Xen series: patches apply, x86_64 and arm64 build
#   make xen-boot   the Xen series booted for arm64 under QEMU (TCG)
# Missing Debian packages are installed first (as root) by
# scripts/install-deps.sh.

BUILD     ?= build
JOBS      ?= $(shell nproc)
BENCH_ARGS ?=
CMAKE_ARGS ?=
PLOTS_DIR ?= $(BUILD)/plots
# Debian's interpreter, where matplotlib is (python3-matplotlib).
PYTHON    ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)

.PHONY: all deps build check check-normal check-tsan check-asan bench plots perf clean

all: build

deps:
	@scripts/install-deps.sh build

define configure
	cmake -S . -B $(1) -DCMAKE_BUILD_TYPE=$(2) $(3) $(CMAKE_ARGS) >/dev/null
endef

build: deps
	$(call configure,$(BUILD),RelWithDebInfo,)
	cmake --build $(BUILD) -j $(JOBS)

check-normal: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

check-tsan: deps
	$(call configure,$(BUILD)/tsan,RelWithDebInfo,-DLFV_SANITIZE=thread -DLFV_BENCH=OFF)
	cmake --build $(BUILD)/tsan -j $(JOBS)
	cd $(BUILD)/tsan && ctest --output-on-failure -j $(JOBS)

check-asan: deps
	$(call configure,$(BUILD)/asan,RelWithDebInfo,-DLFV_SANITIZE=address -DLFV_BENCH=OFF)
	cmake --build $(BUILD)/asan -j $(JOBS)
	cd $(BUILD)/asan && ctest --output-on-failure -j $(JOBS)

check: check-normal check-tsan check-asan
	@echo "make check: normal, tsan and asan builds passed"

bench: build
	@scripts/install-deps.sh bench
	$(BUILD)/bin/lfvpci-bench --benchmark_out=$(BUILD)/bench.json \
	    --benchmark_out_format=json $(BENCH_ARGS)

plots:
	@scripts/install-deps.sh bench
	$(PYTHON) bench/plots.py $(BUILD)/bench.json $(PLOTS_DIR)

perf: build
	@scripts/install-deps.sh bench
	scripts/perf.sh $(BUILD)

clean:
	rm -rf $(BUILD)

# The Xen 4.17.5 series (integration/xen): import patch up to date, applies,
# hypervisor builds for x86_64 and arm64 (with vPCI), tools/tests/vpci passes.
.PHONY: xen-check
xen-check:
	integration/xen/xen-check.sh

# Xen 4.17.5 booted (integration/xen/xen-boot.sh): arm64 hypervisors with
# and without the series under QEMU (TCG) with a Linux dom0 that
# enumerates PCI through vPCI; dom0's views compared with native's.
.PHONY: xen-boot
xen-boot:
	integration/xen/xen-boot.sh
