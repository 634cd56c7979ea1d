#include "report.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "octo/common/log.h"

namespace octo::bench {
namespace {

std::string CodeName(int code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

std::string Ms(int64_t micros) {
  return absl::StrFormat("%.3f", static_cast<double>(micros) / 1e3);
}

std::string Mode(const LoadOptions& options) { return options.rate > 0 ? "open" : "closed"; }

}  // namespace

std::string FormatText(const LoadOptions& options, const LoadResult& result) {
  const Histogram& h = result.latency_us;
  std::string out = absl::StrFormat("octo-bench → %s\n", options.target);
  if (options.rate > 0) {
    absl::StrAppendFormat(&out, "  load        open loop at %.1f calls/s", options.rate);
  } else {
    absl::StrAppendFormat(&out, "  load        closed loop, concurrency %d", options.concurrency);
  }
  absl::StrAppendFormat(&out, ", %d channel%s, %s goal of %d bytes\n", result.channels,
                        result.channels == 1 ? "" : "s",
                        options.unique_goals ? "unique" : "repeated", options.goal_bytes);
  absl::StrAppendFormat(&out, "  time        %.2f s measured after %s warmup, timeout %s\n",
                        absl::ToDoubleSeconds(result.elapsed), absl::FormatDuration(options.warmup),
                        absl::FormatDuration(options.timeout));
  absl::StrAppendFormat(&out, "  calls       %d ok, %d failed", result.ok, result.errors());
  if (result.dropped > 0) absl::StrAppendFormat(&out, ", %d dropped", result.dropped);
  absl::StrAppendFormat(&out, "\n  throughput  %.1f calls/s\n", result.throughput());
  if (options.rate > 0) {
    absl::StrAppendFormat(
        &out, "  send lag    at most %s ms behind schedule%s\n",
        Ms(absl::ToInt64Microseconds(result.max_send_lag)),
        result.max_send_lag > absl::Milliseconds(10) ? " (the generator limits the rate)" : "");
  }
  absl::StrAppendFormat(&out, "  latency ms  p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  mean %.3f\n",
                        Ms(h.ValueAtPercentile(50)), Ms(h.ValueAtPercentile(90)),
                        Ms(h.ValueAtPercentile(99)), Ms(h.ValueAtPercentile(99.9)), Ms(h.max()),
                        h.mean() / 1e3);
  if (h.saturated() > 0) {
    absl::StrAppendFormat(&out, "  (%d calls above %s counted as %s)\n", h.saturated(),
                          Ms(h.highest()), Ms(h.highest()));
  }
  absl::StrAppendFormat(&out, "  cache hits  %d (%.1f%%)\n", result.cache_hits,
                        result.ok == 0 ? 0.0 : 100.0 * result.cache_hits / result.ok);
  if (result.errors() > 0) {
    out += "  errors     ";
    for (int code = 1; code < kStatusCodes; ++code) {
      if (result.errors_by_code[code] > 0) {
        absl::StrAppend(&out, " ", CodeName(code), " ", result.errors_by_code[code]);
      }
    }
    out += "\n";
  }
  return out;
}

std::string FormatJson(const LoadOptions& options, const LoadResult& result) {
  const Histogram& h = result.latency_us;
  std::string out = "{\"config\":{\"target\":";
  log::AppendJsonString(&out, options.target);
  absl::StrAppendFormat(
      &out,
      ",\"mode\":\"%s\",\"concurrency\":%d,\"rate\":%.3f,\"channels\":%d,"
      "\"duration_s\":%.3f,\"warmup_s\":%.3f,\"timeout_s\":%.3f,"
      "\"unique_goals\":%s,\"goal_bytes\":%d,\"prime\":%s},",
      Mode(options), options.rate > 0 ? 0 : options.concurrency, options.rate, result.channels,
      absl::ToDoubleSeconds(options.duration), absl::ToDoubleSeconds(options.warmup),
      absl::ToDoubleSeconds(options.timeout), options.unique_goals ? "true" : "false",
      options.goal_bytes, options.prime ? "true" : "false");
  absl::StrAppendFormat(&out, "\"requests\":%d,\"ok\":%d,\"errors\":%d,\"errors_by_code\":{",
                        result.ok + result.errors(), result.ok, result.errors());
  bool first = true;
  for (int code = 1; code < kStatusCodes; ++code) {
    if (result.errors_by_code[code] == 0) continue;
    absl::StrAppendFormat(&out, "%s\"%s\":%d", first ? "" : ",", CodeName(code),
                          result.errors_by_code[code]);
    first = false;
  }
  absl::StrAppendFormat(&out,
                        "},\"dropped\":%d,\"max_send_lag_us\":%d,\"cache_hits\":%d,\"cache_hit_"
                        "ratio\":%.4f,\"elapsed_s\":%.3f,"
                        "\"throughput_rps\":%.1f,",
                        result.dropped, absl::ToInt64Microseconds(result.max_send_lag),
                        result.cache_hits,
                        result.ok == 0 ? 0.0 : static_cast<double>(result.cache_hits) / result.ok,
                        absl::ToDoubleSeconds(result.elapsed), result.throughput());
  absl::StrAppendFormat(&out,
                        "\"latency_us\":{\"count\":%d,\"min\":%d,\"p50\":%d,\"p90\":%d,"
                        "\"p99\":%d,\"p999\":%d,\"max\":%d,\"mean\":%.1f,\"saturated\":%d}}",
                        h.count(), h.min(), h.ValueAtPercentile(50), h.ValueAtPercentile(90),
                        h.ValueAtPercentile(99), h.ValueAtPercentile(99.9), h.max(), h.mean(),
                        h.saturated());
  return out;
}

}  // namespace octo::bench
