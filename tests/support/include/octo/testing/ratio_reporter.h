// A Google Benchmark reporter that prints the console table, then each benchmark's real time
// as a ratio to a baseline measured in the same run:
//   BM_Gate/real_time / BM_RedisPing/real_time = 3.10x (+42.0 us a call)
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"

namespace octo::testing {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (!run.error_occurred && run.iterations > 0) {
        ns_[run.benchmark_name()] =
            run.GetAdjustedRealTime() * 1e9 / benchmark::GetTimeUnitMultiplier(run.time_unit);
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  // Every benchmark but the baseline and those whose name holds `skip` (when not empty).
  void PrintRatiosTo(const std::string& baseline, const std::string& skip = "") const {
    auto base = ns_.find(baseline);
    if (base == ns_.end() || base->second <= 0) return;
    for (const auto& [name, ns] : ns_) {
      if (name == baseline || (!skip.empty() && name.find(skip) != std::string::npos)) continue;
      std::printf("%s / %s = %.2fx (+%.1f us a call)\n", name.c_str(), baseline.c_str(),
                  ns / base->second, (ns - base->second) / 1e3);
    }
  }

 private:
  std::map<std::string, double> ns_;  // real ns per iteration
};

}  // namespace octo::testing
