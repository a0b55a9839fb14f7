// SPDX-License-Identifier: GPL-2.0-only
#include "bench_summary.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace {

const char *const kWorkloads[] = {"calibrate", "enumerate", "steady", "read_hot",
                                  "read_span", "read_gap", "write_hot", "msix_mask",
                                  "rangeset_lookup", "rangeset_add_remove",
                                  "rangeset_consume"};
const char *const kImpls[] = {"lfvpci", "lfvpci_qsbr", "lfvpci_xenrcu",
                              "lfvpci_ckepoch", "lfvpci_sbdf", "xen417_lfvpci",
                              "xen417", "xen420", "xen_pcilock", "machine"};
const char *const kBaselines[] = {"xen417", "xen_pcilock", "xen420"};

template <size_t N>
int rank_in(const char *const (&list)[N], const std::string &s) {
  for (size_t i = 0; i < N; i++)
    if (s == list[i]) return int(i);
  return 100;
}

// "read_hot/lfvpci/early/real_time/threads:2" -> case, impl, threads
struct Key {
  std::string wl, variant, impl;
  int threads = 1;
  std::string wcase() const { return variant.empty() ? wl : wl + "/" + variant; }
};

Key split(const std::string &name) {
  std::vector<std::string> parts;
  size_t start = 0, pos;
  while ((pos = name.find('/', start)) != std::string::npos) {
    parts.push_back(name.substr(start, pos - start));
    start = pos + 1;
  }
  parts.push_back(name.substr(start));
  Key k;
  k.wl = parts[0];
  k.impl = parts.size() > 1 ? parts[1] : "";
  for (size_t i = 2; i < parts.size(); i++) {
    if (parts[i].rfind("threads:", 0) == 0)
      k.threads = std::atoi(parts[i].c_str() + 8);
    else if (parts[i] != "real_time")
      k.variant += (k.variant.empty() ? "" : "/") + parts[i];
  }
  return k;
}

std::string fmt(double v) {
  char b[32];
  if (v <= 0) return "-";
  std::snprintf(b, sizeof b, v >= 1000 ? "%.0f" : v >= 100 ? "%.1f" : "%.2f", v);
  return b;
}

}  // namespace

int lfv_summary_workload_rank(const std::string &w) { return rank_in(kWorkloads, w); }
int lfv_summary_impl_rank(const std::string &i) { return rank_in(kImpls, i); }

// Numbers in numeric order (range-set sizes), then names.
bool lfv_summary_variant_less(const std::string &a, const std::string &b) {
  static const char *const named[] = {"", "early", "middle", "late", "churn", "private"};
  int ra = rank_in(named, a), rb = rank_in(named, b);
  if (ra != rb) return ra < rb;
  long na = std::atol(a.c_str()), nb = std::atol(b.c_str());
  if (na != nb) return na < nb;
  return a < b;
}

void LfvSummaryReporter::ReportRuns(const std::vector<Run> &runs) {
  ConsoleReporter::ReportRuns(runs);
  for (const Run &r : runs) {
    if (r.error_occurred) continue;
    bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
    if (r.run_type != Run::RT_Iteration && !median) continue;
    std::string key = r.run_name.str();
    if (!median && medians_.count(key)) continue;
    Row row;
    auto it = r.counters.find("items_per_second");
    row.ops_per_s = it != r.counters.end() ? double(it->second) : 0;
    row.ns_per_op = row.ops_per_s > 0 ? 1e9 / row.ops_per_s : 0;
    // Google Benchmark's CPU time is every thread's, per iteration of all.
    row.cpu_ns = r.GetAdjustedCPUTime() * 1e9 / benchmark::GetTimeUnitMultiplier(r.time_unit);
    rows_[key] = row;
    if (median) medians_.insert(key);
  }
}

void LfvSummaryReporter::PrintSummary() const {
  // case -> impl -> threads -> row
  std::map<std::string, std::map<std::string, std::map<int, Row>>> t;
  std::vector<Key> keys;
  for (auto &kv : rows_) {
    Key k = split(kv.first);
    t[k.wcase()][k.impl][k.threads] = kv.second;
    keys.push_back(k);
  }
  if (t.empty()) return;
  std::vector<std::string> cases;
  std::stable_sort(keys.begin(), keys.end(), [](const Key &a, const Key &b) {
    int wa = lfv_summary_workload_rank(a.wl), wb = lfv_summary_workload_rank(b.wl);
    if (wa != wb) return wa < wb;
    if (a.wl != b.wl) return a.wl < b.wl;
    return lfv_summary_variant_less(a.variant, b.variant);
  });
  for (auto &k : keys)
    if (std::find(cases.begin(), cases.end(), k.wcase()) == cases.end())
      cases.push_back(k.wcase());

  auto ns1 = [&](const std::string &c, const std::string &impl) {
    auto ci = t.find(c);
    if (ci == t.end()) return 0.0;
    auto ii = ci->second.find(impl);
    if (ii == ci->second.end()) return 0.0;
    auto ti = ii->second.find(1);
    return ti == ii->second.end() ? 0.0 : ti->second.ns_per_op;
  };
  auto cpu1 = [&](const std::string &c, const std::string &impl) {
    auto ci = t.find(c);
    if (ci == t.end()) return 0.0;
    auto ii = ci->second.find(impl);
    if (ii == ci->second.end()) return 0.0;
    auto ti = ii->second.find(1);
    return ti == ii->second.end() ? 0.0 : ti->second.cpu_ns;
  };
  // What N threads would do with a CPU each: N x CPU per op at 1 / at N.
  auto cpuscale = [&](const std::map<int, Row> &th, int n) {
    auto a = th.find(1), b = th.find(n);
    if (a == th.end() || b == th.end() || b->second.cpu_ns <= 0) return 0.0;
    return n * a->second.cpu_ns / b->second.cpu_ns;
  };
  auto scale = [&](const std::map<int, Row> &th, int n) {
    auto a = th.find(1), b = th.find(n);
    if (a == th.end() || b == th.end() || a->second.ops_per_s <= 0) return 0.0;
    return b->second.ops_per_s / a->second.ops_per_s;
  };

  std::printf(
      "\nSummary (same run; medians with --benchmark_repetitions).  ns/op: wall clock at\n"
      "1 thread; xen417 x, pcilock x, xen420 x: that baseline's ns/op over this row's (above 1:\n"
      "faster than the baseline); 2T/1T, 4T/1T: aggregate throughput over 1 thread's\n"
      "(2 CPUs: 4 threads are oversubscribed).  cpu: the same from CPU time per\n"
      "operation, which a loaded machine disturbs less (2T/1T cpu: 2 x CPU per op at\n"
      "1 thread / at 2, what 2 threads with a CPU each would do).\n");
  std::printf("%-24s %-14s %8s %8s %9s %8s %6s %6s %8s %8s %7s\n", "case", "implementation",
              "ns/op", "xen417 x", "pcilock x", "xen420 x", "2T/1T", "4T/1T", "cpu ns",
              "xen417 x", "2T/1T");
  for (auto &c : cases) {
    auto &impls = t[c];
    std::vector<std::string> names;
    for (auto &kv : impls) names.push_back(kv.first);
    std::sort(names.begin(), names.end(), [](auto &a, auto &b) {
      int ra = lfv_summary_impl_rank(a), rb = lfv_summary_impl_rank(b);
      return ra != rb ? ra < rb : a < b;
    });
    for (auto &n : names) {
      double ns = ns1(c, n);
      double bx = ns1(c, kBaselines[0]), bp = ns1(c, kBaselines[1]);
      double b4 = ns1(c, kBaselines[2]);
      double cn = cpu1(c, n), cx = cpu1(c, kBaselines[0]);
      std::printf("%-24s %-14s %8s %8s %9s %8s %6s %6s %8s %8s %7s\n", c.c_str(), n.c_str(),
                  fmt(ns).c_str(), n == kBaselines[0] || ns <= 0 ? "" : fmt(bx / ns).c_str(),
                  n == kBaselines[1] || ns <= 0 ? "" : fmt(bp / ns).c_str(),
                  n == kBaselines[2] || ns <= 0 ? "" : fmt(b4 / ns).c_str(),
                  fmt(scale(impls[n], 2)).c_str(), fmt(scale(impls[n], 4)).c_str(),
                  fmt(cn).c_str(), n == kBaselines[0] || cn <= 0 ? "" : fmt(cx / cn).c_str(),
                  fmt(cpuscale(impls[n], 2)).c_str());
    }
  }

  // Churn: reader throughput with the writer over without, per thread count.
  if (t.count("steady") && t.count("steady/churn")) {
    std::printf("\nsteady under churn: reader throughput with the hot-plug writer / without\n"
                "(wall clock; cpu: from CPU time per operation)\n");
    std::printf("%-15s %8s %8s %8s %8s %8s %8s\n", "implementation", "1T", "2T", "4T",
                "1T cpu", "2T cpu", "4T cpu");
    for (auto &kv : t["steady/churn"]) {
      auto &quiet = t["steady"][kv.first];
      std::printf("%-15s", kv.first.c_str());
      for (int cpu = 0; cpu < 2; cpu++)
        for (int n : {1, 2, 4}) {
          double r = 0;
          if (kv.second.count(n) && quiet.count(n) && quiet[n].ops_per_s > 0)
            r = cpu ? (kv.second[n].cpu_ns > 0 ? quiet[n].cpu_ns / kv.second[n].cpu_ns : 0)
                    : kv.second[n].ops_per_s / quiet[n].ops_per_s;
          std::printf(" %8s", fmt(r).c_str());
        }
      std::printf("\n");
    }
  }

  // enumerate: the threads on the same devices against each on its own.
  if (t.count("enumerate") && t.count("enumerate/private")) {
    std::printf("\nenumerate: 2T/1T and 4T/1T with every thread on the same devices (shared,\n"
                "enumerate/<impl>) and each thread on its own copy (private,\n"
                "enumerate/<impl>/private); wall clock, then cpu (from CPU time per operation)\n");
    std::printf("%-15s %8s %8s %8s %8s %8s %8s\n", "implementation", "2T shrd", "2T priv",
                "4T shrd", "4T priv", "cpu shrd", "cpu priv");
    std::vector<std::string> names;
    for (auto &kv : t["enumerate/private"]) names.push_back(kv.first);
    std::sort(names.begin(), names.end(), [](auto &a, auto &b) {
      int ra = lfv_summary_impl_rank(a), rb = lfv_summary_impl_rank(b);
      return ra != rb ? ra < rb : a < b;
    });
    for (auto &n : names) {
      auto &sh = t["enumerate"][n], &pr = t["enumerate/private"][n];
      std::printf("%-15s %8s %8s %8s %8s %8s %8s\n", n.c_str(), fmt(scale(sh, 2)).c_str(),
                  fmt(scale(pr, 2)).c_str(), fmt(scale(sh, 4)).c_str(),
                  fmt(scale(pr, 4)).c_str(), fmt(cpuscale(sh, 2)).c_str(),
                  fmt(cpuscale(pr, 2)).c_str());
    }
  }

  // The targets of issues 12 (read_hot) and 15, on this run.  A scaling
  // target is shown with what the machine gave a loop sharing nothing
  // (calibrate/machine, bench/machine.c) in the same run.
  bool any = false;
  auto target = [&](const char *what, double v, double want, double machine = 0) {
    if (v <= 0) return;
    if (!any) std::printf("\nTargets (this run):\n");
    any = true;
    std::printf("  %-54s %6.2f  (target >= %.2f: %s", what, v, want,
                v >= want ? "met" : "MISSED");
    if (machine > 0) std::printf("; the machine: %.2f", machine);
    std::printf(")\n");
  };
  double m2 = 0, m2cpu = 0;
  if (t.count("calibrate") && t["calibrate"].count("machine")) {
    m2 = scale(t["calibrate"]["machine"], 2);
    m2cpu = cpuscale(t["calibrate"]["machine"], 2);
    std::printf("\nThe machine in this run: a loop sharing nothing (calibrate/machine) ran\n"
                "%.2fx as fast at 2 threads as at 1 (CPU time: %.2f); a 2T/1T below is read\n"
                "against it.\n", m2, m2cpu);
  }
  if (t.count("read_hot/early") && t["read_hot/early"].count("lfvpci")) {
    const char *c = "read_hot/early";
    double l = ns1(c, "lfvpci"), x = ns1(c, "xen417");
    if (l > 0 && x > 0) target("read_hot/early: xen417 ns/op over lfvpci's, 1 thread", x / l, 4.5);
    l = cpu1(c, "lfvpci"), x = cpu1(c, "xen417");
    if (l > 0 && x > 0) target("read_hot/early: the same, CPU time", x / l, 4.5);
    target("read_hot/early: lfvpci 2T/1T", scale(t[c]["lfvpci"], 2), 1.9, m2);
    target("read_hot/early: lfvpci 2T/1T, CPU time", cpuscale(t[c]["lfvpci"], 2), 1.9, m2cpu);
  }
  for (const char *c : {"enumerate", "steady"}) {
    if (!t.count(c)) continue;
    double l = ns1(c, "lfvpci"), x = ns1(c, "xen417");
    std::string w = std::string(c) + ": xen417 ns/op over lfvpci's, 1 thread";
    if (l > 0 && x > 0) target(w.c_str(), x / l, 3.0);
    l = cpu1(c, "lfvpci"), x = cpu1(c, "xen417");
    w = std::string(c) + ": the same, CPU time";
    if (l > 0 && x > 0) target(w.c_str(), x / l, 3.0);
    w = std::string(c) + ": lfvpci 2T/1T";
    if (t[c].count("lfvpci")) target(w.c_str(), scale(t[c]["lfvpci"], 2), 1.8, m2);
    w = std::string(c) + ": lfvpci 2T/1T, CPU time";
    if (t[c].count("lfvpci")) target(w.c_str(), cpuscale(t[c]["lfvpci"], 2), 1.8, m2cpu);
  }
  // enumerate's 2T/1T with each thread on its own devices (enumerate/<impl>/private).
  if (t.count("enumerate/private") && t["enumerate/private"].count("lfvpci")) {
    auto &pr = t["enumerate/private"]["lfvpci"];
    target("enumerate/private (own devices): lfvpci 2T/1T", scale(pr, 2), 1.8, m2);
    target("enumerate/private (own devices): lfvpci 2T/1T, CPU", cpuscale(pr, 2), 1.8, m2cpu);
  }
  if (t.count("steady/churn") && t["steady/churn"].count("lfvpci")) {
    auto &ch = t["steady/churn"]["lfvpci"], &q = t["steady"]["lfvpci"];
    for (int n : {1, 2}) {
      if (!ch.count(n) || !q.count(n) || q[n].ops_per_s <= 0) continue;
      std::string w = "steady: lfvpci churn / quiet, " + std::to_string(n) + " thread(s)";
      target(w.c_str(), ch[n].ops_per_s / q[n].ops_per_s, 0.9);
      w += ", CPU time";
      if (ch[n].cpu_ns > 0) target(w.c_str(), q[n].cpu_ns / ch[n].cpu_ns, 0.9);
    }
  }
}
