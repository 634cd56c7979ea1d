// octo-bench's output: a summary for people and one JSON object for scripts.
#pragma once

#include <string>

#include "load.h"

namespace octo::bench {

// Several lines: the configuration, counts, throughput, latency percentiles in ms, cache
// hits and errors by status code. `options` should be resolved (see ResolveOptions).
std::string FormatText(const LoadOptions& options, const LoadResult& result);

// One line of JSON without a trailing newline:
//   {"config":{...},"requests":N,"ok":N,"errors":N,"errors_by_code":{"UNAVAILABLE":N,...},
//    "dropped":N,"max_send_lag_us":N,"cache_hits":N,"cache_hit_ratio":F,"elapsed_s":F,"throughput_rps":F,
//    "latency_us":{"count":N,"min":N,"p50":N,"p90":N,"p99":N,"p999":N,"max":N,"mean":F,
//                  "saturated":N}}
// Every key appears once, so a script can pick a number out with a regular expression.
std::string FormatJson(const LoadOptions& options, const LoadResult& result);

}  // namespace octo::bench
