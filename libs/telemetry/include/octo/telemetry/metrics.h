// Per-process Prometheus registry, its /metrics endpoint, and shared bucket layouts.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace octo::telemetry {

// Latency buckets in seconds. They include the budget thresholds (5 ms, 10 ms, 20 ms,
// 100 ms, 500 ms, 1 s, 2 s, 3 s, 5 s, 10 s, 15 s, 30 s) so SLO queries are exact, plus
// sub-millisecond buckets for the fast paths.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets();

// A metric family named `name` with help text `help`, registered in `registry`, which owns
// it; add labelled series with Add(). Registering the same name twice is a bug.
prometheus::Family<prometheus::Counter>& CounterFamily(prometheus::Registry& registry,
                                                       const std::string& name,
                                                       const std::string& help);
prometheus::Family<prometheus::Gauge>& GaugeFamily(prometheus::Registry& registry,
                                                   const std::string& name,
                                                   const std::string& help);
prometheus::Family<prometheus::Histogram>& HistogramFamily(prometheus::Registry& registry,
                                                           const std::string& name,
                                                           const std::string& help);

// Serves the registry's metrics over HTTP at /metrics. Stops in the destructor.
class MetricsServer {
 public:
  virtual ~MetricsServer() = default;
  // The bound port (useful when started on port 0).
  virtual int port() const = 0;
};

// Binds `address` ("host:port"; port 0 picks a free one). UNAVAILABLE when it cannot bind.
absl::StatusOr<std::unique_ptr<MetricsServer>> StartMetricsServer(
    const std::string& address, std::shared_ptr<prometheus::Registry> registry);

}  // namespace octo::telemetry
