// SPDX-License-Identifier: GPL-2.0-only
//
// The benchmark driver: a thin C++ shim over the C modules in
// build/lib/bench/*.so (bench/bench.h).  It loads every module and the
// traces, sets up and checks every case (a case whose implementation reads
// a wrong value is not timed), registers `<workload>/<impl>[/<variant>]`
// at the thread counts the case asks for, shows progress on stderr, and
// after Google Benchmark's own table prints a summary of same-run ratios
// against the baselines (bench_summary.cc).
#include <dirent.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench.h"
#include "bench_summary.h"
#include "trace.h"

namespace {

struct Case {
  const lfv_bench_module *mod;
  const lfv_bench_case *c;
  std::string name;  // workload/impl[/variant]
};

// Progress on stderr: a line as each benchmark (or, interleaved, each
// repetition) starts.  Google Benchmark calls a benchmark several times
// while it sizes the run: consecutive calls of one name count once.
unsigned g_planned;
void progress(const std::string &name) {
  static std::string last;
  static unsigned started;
  if (name == last) return;
  last = name;
  std::fprintf(stderr, "[%u/%u] %s\n", ++started, g_planned, name.c_str());
}

void run_case(benchmark::State &state, const Case *k) {
  const lfv_bench_case *c = k->c;
  const unsigned t = unsigned(state.thread_index());
  uint64_t acc = 0;
  if (t == 0)
    progress(k->c->threads ? k->name + "/threads:" + std::to_string(state.threads())
                           : k->name);
  k->mod->thread_init();
  void *ctx = c->start ? c->start(t, unsigned(state.threads())) : nullptr;
  if (c->start && !ctx) {
    state.SkipWithError("start failed");
  } else {
    while (state.KeepRunningBatch(int64_t(c->batch))) acc += c->run(ctx, t, c->batch);
  }
  if (c->stop) c->stop(ctx, t);
  k->mod->thread_exit();
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations());
}

std::vector<const lfv_bench_module *> load_modules(const std::string &dir) {
  std::vector<const lfv_bench_module *> mods;
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
    auto *m = (const lfv_bench_module *)dlsym(h, "lfv_bench_module");
    if (!m) {  // e.g. a module of an older build, left in the directory
      std::fprintf(stderr, "lfvpci-bench: %s: no lfv_bench_module, skipped\n",
                   path.c_str());
      continue;
    }
    mods.push_back(m);
  }
  return mods;
}

// The value of --benchmark_filter, to count what will run (progress).
std::string filter_arg(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (std::strncmp(argv[i], "--benchmark_filter=", 19) == 0) return argv[i] + 19;
  return ".";
}

// Interleaved repetitions start separately: count each.
int repetitions_arg(int argc, char **argv) {
  int reps = 1;
  bool interleaved = false;
  for (int i = 1; i < argc; i++) {
    if (std::strncmp(argv[i], "--benchmark_repetitions=", 24) == 0)
      reps = std::max(1, std::atoi(argv[i] + 24));
    if (std::strcmp(argv[i], "--benchmark_enable_random_interleaving=true") == 0)
      interleaved = true;
  }
  return interleaved ? reps : 1;
}

}  // namespace

int main(int argc, char **argv) {
  const char *dir = std::getenv("LFV_BENCH_MODULE_DIR");
  const char *traces = std::getenv("LFV_BENCH_TRACE_DIR");
  std::string tdir = traces && *traces ? traces : LFV_BENCH_TRACE_DIR;
  auto mods = load_modules(dir ? dir : LFV_BENCH_MODULE_DIR);

  lfv_bench_env env{};
  lfv_bench_trace *enumerate = lfv_bench_trace_load((tdir + "/enumerate.trace").c_str());
  env.enumerate = enumerate;
  bool ok = enumerate != nullptr;

  // Set up every case (each distinct setup once), check, register.
  std::vector<Case *> cases;
  std::vector<std::pair<const lfv_bench_module *, const lfv_bench_case *>> torn;
  std::set<std::pair<const void *, const void *>> done;
  std::set<std::pair<const void *, const void *>> failed;
  for (auto *m : mods) {
    for (auto *p = m->cases_begin; p < m->cases_end; p++) {
      const lfv_bench_case *c = *p;
      std::string name = std::string(c->workload) + "/" + m->impl;
      if (c->variant) name += std::string("/") + c->variant;
      auto key = std::make_pair((const void *)m, (const void *)c->setup);
      if (c->setup && !done.count(key)) {
        done.insert(key);
        m->thread_init();
        int rc = c->setup(&env);
        m->thread_exit();
        if (rc) {
          std::fprintf(stderr, "lfvpci-bench: %s: setup failed (%d)\n", name.c_str(), rc);
          failed.insert(key);
          ok = false;
          continue;
        }
        torn.push_back({m, c});
      }
      if (failed.count(key)) continue;
      if (c->check) {
        m->thread_init();
        int rc = c->check();
        m->thread_exit();
        if (rc) {
          std::fprintf(stderr, "lfvpci-bench: %s: wrong results, not timed\n", name.c_str());
          ok = false;
          continue;
        }
      }
      cases.push_back(new Case{m, c, name});
    }
  }
  std::stable_sort(cases.begin(), cases.end(), [](const Case *a, const Case *b) {
    int wa = lfv_summary_workload_rank(a->c->workload);
    int wb = lfv_summary_workload_rank(b->c->workload);
    if (wa != wb) return wa < wb;
    if (std::strcmp(a->c->workload, b->c->workload)) return std::strcmp(a->c->workload, b->c->workload) < 0;
    std::string va = a->c->variant ? a->c->variant : "", vb = b->c->variant ? b->c->variant : "";
    if (va != vb) return lfv_summary_variant_less(va, vb);
    return lfv_summary_impl_rank(a->mod->impl) < lfv_summary_impl_rank(b->mod->impl);
  });

  std::regex filter(filter_arg(argc, argv));
  const int reps = repetitions_arg(argc, argv);  // Initialize() eats the flags
  unsigned planned = 0;
  for (auto *k : cases) {
    auto *b = benchmark::RegisterBenchmark(k->name.c_str(), run_case, k);
    if (!k->c->threads) {  // one thread, CPU time, no suffix (range sets)
      planned += std::regex_search(k->name, filter);
      continue;
    }
    b->UseRealTime();
    for (unsigned n : {1u, 2u, 4u})
      if (k->c->threads & n) {
        b->Threads(int(n));
        std::string full = k->name + "/real_time/threads:" + std::to_string(n);
        planned += std::regex_search(full, filter);
      }
  }

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  g_planned = planned * unsigned(reps);
  LfvSummaryReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  rep.PrintSummary();
  for (auto it = torn.rbegin(); it != torn.rend(); ++it)
    if (it->second->teardown) {
      it->first->thread_init();
      it->second->teardown();
      it->first->thread_exit();
    }
  for (auto *k : cases) delete k;
  lfv_bench_trace_free(enumerate);
  return ok ? 0 : 1;
}
