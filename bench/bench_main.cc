// SPDX-License-Identifier: GPL-2.0-only
//
// The benchmark driver: a thin C++ shim over the C implementations in
// build/lib/bench/*.so (bench/impl.h, bench/rangeset_impl.h).  It loads
// every module, checks that each implementation reads what the device holds,
// registers `<workload>/<implementation>[/<variant>]` at 1 and 2 threads,
// and after Google Benchmark's own table prints a summary of per-access
// times, 2-thread scaling and ratios against lfvpci measured in this run.
#include <dirent.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_hw.h"
#include "impl.h"
#include "msix_impl.h"
#include "rangeset_impl.h"

namespace {

constexpr uint64_t kBatch = 1000;

const char *const kWorkload[LFV_WL_MAX] = {"read_hot", "write_hot",
                                           "read_span", "read_gap"};
const char *const kPosition[LFV_POS_MAX] = {"early", "middle", "late"};
const char *const kRsWorkload[LFV_RS_MAX] = {
    "rangeset_lookup", "rangeset_add_remove", "rangeset_consume"};
const unsigned kRsRanges[] = {1, 3, 64, 4096};

// Preferred order of implementations in tables; unknown ones follow.
const char *const kOrder[] = {"lfvpci", "lfvpci_qsbr", "lfvpci_ckepoch",
                              "lfvpci_sbdf", "xen417_lfvpci", "xen417",
                              "xen_pcilock"};

int rank(const std::string &name) {
  for (size_t i = 0; i < sizeof(kOrder) / sizeof(kOrder[0]); i++)
    if (name == kOrder[i]) return int(i);
  return 100;
}

void reg_benchmark(benchmark::State &state, const lfv_bench_impl *impl,
                   lfv_bench_workload wl, unsigned param) {
  uint64_t acc = 0;
  impl->thread_init();
  while (state.KeepRunningBatch(kBatch)) acc += impl->run(wl, param, kBatch);
  impl->thread_exit();
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations());
}

void rs_benchmark(benchmark::State &state,
                  const lfv_bench_rangeset_impl *impl, lfv_bench_rs_workload wl,
                  unsigned nranges) {
  uint64_t acc = 0;
  impl->thread_init();
  void *set = impl->create(nranges);
  if (!set) {
    state.SkipWithError("create failed");
    impl->thread_exit();
    return;
  }
  const uint64_t batch = wl == LFV_RS_CONSUME ? 1 : kBatch;
  while (state.KeepRunningBatch(batch)) acc += impl->run(set, wl, batch);
  impl->destroy(set);
  impl->thread_exit();
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations());
}

// msix_mask: each thread masks and unmasks its own table entry.
void msix_benchmark(benchmark::State &state, const lfv_bench_msix_impl *impl) {
  uint64_t acc = 0;
  impl->thread_init();
  while (state.KeepRunningBatch(kBatch))
    acc += impl->run(unsigned(state.thread_index()), kBatch);
  impl->thread_exit();
  if (state.thread_index() == 0 && acc == 0) state.SkipWithError("writes refused");
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations());
}

// A read workload must return exactly what the device holds.
bool verify(const lfv_bench_impl *impl) {
  struct {
    lfv_bench_workload wl;
    unsigned param, reg;
  } cases[] = {
      {LFV_WL_READ_HOT, LFV_POS_EARLY, lfv_bench_hot_reg[0]},
      {LFV_WL_READ_HOT, LFV_POS_MIDDLE, lfv_bench_hot_reg[1]},
      {LFV_WL_READ_HOT, LFV_POS_LATE, lfv_bench_hot_reg[2]},
      {LFV_WL_READ_SPAN, 0, LFV_BENCH_SPAN_REG},
      {LFV_WL_READ_GAP, 0, LFV_BENCH_GAP_REG},
  };
  bool ok = true;
  impl->thread_init();
  for (auto &c : cases) {
    uint64_t got = impl->run(c.wl, c.param, 1), want = bench_expected_read(c.reg);
    if (got != want) {
      std::fprintf(stderr, "lfvpci-bench: %s reads 0x%llx at 0x%x, expected 0x%llx\n",
                   impl->name, (unsigned long long)got, c.reg,
                   (unsigned long long)want);
      ok = false;
    }
  }
  impl->thread_exit();
  return ok;
}

struct Modules {
  std::vector<const lfv_bench_impl *> regs;
  std::vector<const lfv_bench_rangeset_impl *> rangesets;
  std::vector<const lfv_bench_msix_impl *> msix;
};

Modules load_modules(const std::string &dir) {
  Modules m;
  DIR *d = opendir(dir.c_str());
  if (!d) {
    std::fprintf(stderr, "lfvpci-bench: no module directory %s\n", dir.c_str());
    std::exit(1);
  }
  std::vector<std::string> files;
  while (dirent *e = readdir(d)) {
    std::string f = e->d_name;
    if (f.size() > 3 && f.compare(f.size() - 3, 3, ".so") == 0) files.push_back(f);
  }
  closedir(d);
  std::sort(files.begin(), files.end());
  for (auto &f : files) {
    std::string path = dir + "/" + f;
    void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      std::fprintf(stderr, "lfvpci-bench: %s\n", dlerror());
      std::exit(1);
    }
    if (auto *impl = (const lfv_bench_impl *)dlsym(h, "lfv_bench_impl"))
      m.regs.push_back(impl);
    if (auto *rs = (const lfv_bench_rangeset_impl *)dlsym(h, "lfv_bench_rangeset_impl"))
      m.rangesets.push_back(rs);
    if (auto *mx = (const lfv_bench_msix_impl *)dlsym(h, "lfv_bench_msix_impl"))
      m.msix.push_back(mx);
  }
  auto by_rank = [](auto *a, auto *b) {
    return rank(a->name) != rank(b->name) ? rank(a->name) < rank(b->name)
                                          : std::strcmp(a->name, b->name) < 0;
  };
  std::sort(m.regs.begin(), m.regs.end(), by_rank);
  std::sort(m.rangesets.begin(), m.rangesets.end(), by_rank);
  std::sort(m.msix.begin(), m.msix.end(), by_rank);
  return m;
}

// Collects every run for the summary while the console reporter prints.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  struct Row {
    double ns_per_op = 0, ops_per_s = 0;
  };
  std::map<std::string, Row> rows;  // full benchmark name -> figures

  // With --benchmark_repetitions, the summary uses each benchmark's median;
  // otherwise its single run.
  void ReportRuns(const std::vector<Run> &runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run &r : runs) {
      if (r.error_occurred) continue;
      bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (r.run_type != Run::RT_Iteration && !median) continue;
      std::string key = r.run_name.str();
      if (!median && medians.count(key)) continue;
      Row row;
      auto it = r.counters.find("items_per_second");
      row.ops_per_s = it != r.counters.end() ? double(it->second) : 0;
      row.ns_per_op = row.ops_per_s > 0 ? 1e9 / row.ops_per_s : 0;
      rows[key] = row;
      if (median) medians.insert(key);
    }
  }

 private:
  std::set<std::string> medians;
};

// "read_hot/lfvpci/early/real_time/threads:2" -> (case, impl, threads)
struct Key {
  std::string wcase, impl;
  int threads;
};

Key split(const std::string &name) {
  std::vector<std::string> parts;
  size_t start = 0, pos;
  while ((pos = name.find('/', start)) != std::string::npos) {
    parts.push_back(name.substr(start, pos - start));
    start = pos + 1;
  }
  parts.push_back(name.substr(start));
  Key k{parts[0], parts.size() > 1 ? parts[1] : "", 1};
  for (size_t i = 2; i < parts.size(); i++) {
    if (parts[i].rfind("threads:", 0) == 0)
      k.threads = std::atoi(parts[i].c_str() + 8);
    else if (parts[i] != "real_time")
      k.wcase += "/" + parts[i];
  }
  return k;
}

void print_summary(const SummaryReporter &rep) {
  // case -> impl -> threads -> row
  std::map<std::string, std::map<std::string, std::map<int, SummaryReporter::Row>>> t;
  std::vector<std::string> cases;
  for (auto &kv : rep.rows) {
    Key k = split(kv.first);
    if (!t.count(k.wcase)) cases.push_back(k.wcase);
    t[k.wcase][k.impl][k.threads] = kv.second;
  }
  if (t.empty()) return;
  std::printf("\nSummary (same run): ns/op at 1 thread; x lfvpci = this "
              "implementation's ns/op / lfvpci's; 2T/1T = aggregate throughput "
              "at 2 threads / at 1 thread; 4T/1T likewise, where measured\n");
  std::printf("%-28s %-16s %10s %10s %8s %8s\n", "workload", "implementation",
              "ns/op", "x lfvpci", "2T/1T", "4T/1T");
  for (auto &c : cases) {
    auto &impls = t[c];
    std::vector<std::string> names;
    for (auto &kv : impls) names.push_back(kv.first);
    std::sort(names.begin(), names.end(), [](auto &a, auto &b) {
      return rank(a) != rank(b) ? rank(a) < rank(b) : a < b;
    });
    double base = impls.count("lfvpci") && impls["lfvpci"].count(1)
                      ? impls["lfvpci"][1].ns_per_op : 0;
    for (auto &n : names) {
      auto &th = impls[n];
      double ns = th.count(1) ? th[1].ns_per_op : 0;
      char ratio[32] = "-", scale[32] = "-", scale4[32] = "-";
      if (base > 0 && ns > 0) std::snprintf(ratio, sizeof ratio, "%.2f", ns / base);
      if (th.count(1) && th.count(2) && th[1].ops_per_s > 0)
        std::snprintf(scale, sizeof scale, "%.2f", th[2].ops_per_s / th[1].ops_per_s);
      if (th.count(1) && th.count(4) && th[1].ops_per_s > 0)
        std::snprintf(scale4, sizeof scale4, "%.2f", th[4].ops_per_s / th[1].ops_per_s);
      std::printf("%-28s %-16s %10.2f %10s %8s %8s\n", c.c_str(), n.c_str(), ns,
                  ratio, scale, scale4);
    }
  }
}

}  // namespace

int main(int argc, char **argv) {
  const char *dir = std::getenv("LFV_BENCH_MODULE_DIR");
  Modules m = load_modules(dir ? dir : LFV_BENCH_MODULE_DIR);

  bench_hw_reset();
  bool ok = true;
  std::vector<const lfv_bench_impl *> ready;
  for (auto *impl : m.regs) {
    if (impl->setup() != 0) {
      std::fprintf(stderr, "lfvpci-bench: %s: setup failed\n", impl->name);
      ok = false;
      continue;
    }
    if (!verify(impl)) {
      ok = false;
      continue;
    }
    ready.push_back(impl);
  }

  for (int wl = 0; wl < LFV_WL_MAX; wl++) {
    unsigned nparam = wl == LFV_WL_READ_HOT ? LFV_POS_MAX : 1;
    for (unsigned p = 0; p < nparam; p++) {
      for (auto *impl : ready) {
        std::string name = std::string(kWorkload[wl]) + "/" + impl->name;
        if (wl == LFV_WL_READ_HOT) name += std::string("/") + kPosition[p];
        benchmark::RegisterBenchmark(name.c_str(), reg_benchmark, impl,
                                     lfv_bench_workload(wl), p)
            ->Threads(1)->Threads(2)->UseRealTime();
      }
    }
  }
  std::vector<const lfv_bench_msix_impl *> msix_ready;
  for (auto *impl : m.msix) {
    if (impl->setup() != 0) {
      std::fprintf(stderr, "lfvpci-bench: msix %s: setup failed\n", impl->name);
      ok = false;
      continue;
    }
    msix_ready.push_back(impl);
    std::string name = std::string("msix_mask/") + impl->name;
    benchmark::RegisterBenchmark(name.c_str(), msix_benchmark, impl)
        ->Threads(1)->Threads(2)->Threads(4)->UseRealTime();
  }
  for (int wl = 0; wl < LFV_RS_MAX; wl++)
    for (unsigned n : kRsRanges)
      for (auto *impl : m.rangesets) {
        std::string name = std::string(kRsWorkload[wl]) + "/" + impl->name +
                           "/" + std::to_string(n);
        benchmark::RegisterBenchmark(name.c_str(), rs_benchmark, impl,
                                     lfv_bench_rs_workload(wl), n);
      }

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  SummaryReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  print_summary(rep);
  for (auto *impl : ready) impl->teardown();
  for (auto *impl : msix_ready) impl->teardown();
  return ok ? 0 : 1;
}
