# lfvpci: the README's commands.
#   make            build (build/)
#   make check      normal, ThreadSanitizer and ASan+UBSan builds, all tests
#   make check-release  the same tests on a Release build (-O3), which
#                   gcc warns about differently (CI runs it)
#   make bench      optimised build, benchmark table, build/bench.json, and a
#                   summary of same-run ratios against the baselines
#   make plots      build/bench.json rendered as PNG charts (build/plots/)
#   make perf       read workloads under perf stat and callgrind
#   make xen-check  the Xen series: patches apply, x86_64 and arm64 build
#   make xen-boot   the Xen series booted for arm64 under QEMU (TCG)
#   make fuzz       every libFuzzer target for FUZZ_SECONDS (60) each
#   make soak       lfvpci-stress for SOAK_SECONDS (300) per RCU backend,
#                   then the MSI-X page-remainder race scenario
#   make soak-tsan  the same on the ThreadSanitizer build (build/tsan)
# Missing Debian packages are installed first (as root) by
# scripts/install-deps.sh.

BUILD     ?= build
JOBS      ?= $(shell nproc)
BENCH_ARGS ?=
CMAKE_ARGS ?=
PLOTS_DIR ?= $(BUILD)/plots
# Debian's interpreter, where matplotlib is (python3-matplotlib).
PYTHON    ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
FUZZ_BUILD ?= $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
# make check: each fuzz target this long; LFV_FUZZ_SKIP categories
# (fuzz/fuzz_util.h) to leave out while a found defect awaits its fix
FUZZ_CHECK_SECONDS ?= 20
# (none today; make fuzz checks every category whatever this says)
FUZZ_CHECK_SKIP ?=
SOAK_SECONDS ?= 300
SOAK_ARGS ?=

.PHONY: all deps build check check-normal check-tsan check-asan check-fuzz \
        check-release \
        fuzz fuzz-build soak soak-tsan bench plots perf clean

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

check-release: deps
	$(call configure,$(BUILD)/release,Release,-DLFV_BENCH=OFF)
	cmake --build $(BUILD)/release -j $(JOBS)
	cd $(BUILD)/release && ctest --output-on-failure -j $(JOBS)

check-asan: deps
	$(call configure,$(BUILD)/asan,RelWithDebInfo,-DLFV_SANITIZE=address -DLFV_BENCH=OFF)
	cmake --build $(BUILD)/asan -j $(JOBS)
	cd $(BUILD)/asan && ctest --output-on-failure -j $(JOBS)

# The libFuzzer targets (clang, ASan+UBSan, coverage) in their own build:
# seeds and saved regressions replayed by ctest, then each target fuzzed
# briefly from its seeds.
fuzz-build: deps
	@scripts/install-deps.sh fuzz
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) \
	    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLFV_FUZZ=ON -DLFV_BENCH=OFF \
	    $(CMAKE_ARGS) >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

check-fuzz: fuzz-build
	cd $(FUZZ_BUILD) && ctest --output-on-failure -j $(JOBS)
	LFV_FUZZ_SKIP=$(FUZZ_CHECK_SKIP) scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_CHECK_SECONDS)

fuzz: fuzz-build
	scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

check: check-normal check-tsan check-asan check-fuzz
	@echo "make check: normal, tsan, asan and fuzz builds passed"

soak: build
	scripts/soak.sh $(BUILD) $(SOAK_SECONDS) $(SOAK_ARGS)

soak-tsan: deps
	$(call configure,$(BUILD)/tsan,RelWithDebInfo,-DLFV_SANITIZE=thread -DLFV_BENCH=OFF)
	cmake --build $(BUILD)/tsan -j $(JOBS)
	scripts/soak.sh $(BUILD)/tsan $(SOAK_SECONDS) $(SOAK_ARGS)

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
