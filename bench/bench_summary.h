// SPDX-License-Identifier: GPL-2.0-only
//
// The console reporter of lfvpci-bench: Google Benchmark's table, and at
// the end a summary of same-run ratios against the baselines, churn
// against quiet, and the targets of BENCHMARKS.md checked on this run.
#ifndef LFV_BENCH_SUMMARY_H
#define LFV_BENCH_SUMMARY_H

#include <map>
#include <set>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

// Orders of tables: known workloads, variants and implementations first.
int lfv_summary_workload_rank(const std::string &workload);
int lfv_summary_impl_rank(const std::string &impl);
bool lfv_summary_variant_less(const std::string &a, const std::string &b);

class LfvSummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run> &runs) override;
  void PrintSummary() const;

  struct Row {
    double ns_per_op = 0, ops_per_s = 0;  // wall clock (all threads)
    double cpu_ns = 0;                    // CPU time per operation
  };

 private:
  std::map<std::string, Row> rows_;  // full benchmark name -> figures
  std::set<std::string> medians_;
};

#endif
