// Harden(): limits, retries, breaker, single flight and metrics around an LlmClient.
#include "octo/llm/resilience.h"

#include <memory>
#include <random>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "octo/common/backoff.h"
#include "octo/llm/errors.h"
#include "octo/telemetry/metrics.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"

namespace octo::llm {
namespace {

constexpr absl::Duration kPollCancel = absl::Milliseconds(50);

bool Cancelled(const Request& request) { return request.cancelled && request.cancelled(); }

// The llm_* metrics of one client; every member is null when no registry was given.
struct Metrics {
  Metrics(prometheus::Registry* registry, absl::string_view provider, absl::string_view model)
      : provider(provider), model(model) {
    if (registry == nullptr) return;
    requests = &telemetry::CounterFamily(
        *registry, "llm_requests_total",
        "Language-model calls by provider, model and outcome (gRPC code name)");
    tokens =
        &telemetry::CounterFamily(*registry, "llm_tokens_total",
                                  "Tokens reported by the provider, by direction (input, output)");
    cost = &telemetry::CounterFamily(*registry, "llm_cost_usd_total",
                                     "Cost of the calls whose model is in the price table, in USD");
    unpriced = &telemetry::CounterFamily(*registry, "llm_cost_unknown_calls_total",
                                         "Calls whose model is missing from the price table");
    retries = &telemetry::CounterFamily(*registry, "llm_retries_total",
                                        "Calls to the provider made again after a retryable error");
    duration =
        &telemetry::HistogramFamily(*registry, "llm_request_duration_seconds",
                                    "Language-model call time, retries and queueing included");
    first_token = &telemetry::HistogramFamily(*registry, "llm_time_to_first_token_seconds",
                                              "Time from sending a call to its first answer text");
    queue_wait = &telemetry::HistogramFamily(*registry, "llm_queue_wait_seconds",
                                             "Time a call waited for a free provider slot");
    in_flight = &telemetry::GaugeFamily(*registry, "llm_in_flight",
                                        "Language-model calls running or waiting for a slot")
                     .Add({{"provider", this->provider}});
  }

  std::map<std::string, std::string> Labels() const {
    return {{"provider", provider}, {"model", model}};
  }
  void Done(const absl::StatusOr<Response>& result, absl::Duration took, const PriceTable* prices) {
    if (requests == nullptr) return;
    auto labels = Labels();
    labels["outcome"] = result.ok() ? "OK" : absl::StatusCodeToString(result.status().code());
    requests->Add(labels).Increment();
    duration->Add(Labels(), telemetry::LatencyBuckets()).Observe(absl::ToDoubleSeconds(took));
    if (!result.ok()) return;
    first_token->Add(Labels(), telemetry::LatencyBuckets())
        .Observe(absl::ToDoubleSeconds(result->time_to_first_token));
    auto in = Labels(), out = Labels();
    in["direction"] = "input";
    out["direction"] = "output";
    tokens->Add(in).Increment(static_cast<double>(result->usage.input_tokens));
    tokens->Add(out).Increment(static_cast<double>(result->usage.output_tokens));
    if (prices == nullptr) return;
    if (std::optional<double> usd = prices->Cost(result->model, result->usage)) {
      cost->Add(Labels()).Increment(*usd);
    } else {
      unpriced->Add(Labels()).Increment();
    }
  }

  std::string provider;
  std::string model;
  prometheus::Family<prometheus::Counter>* requests = nullptr;
  prometheus::Family<prometheus::Counter>* tokens = nullptr;
  prometheus::Family<prometheus::Counter>* cost = nullptr;
  prometheus::Family<prometheus::Counter>* unpriced = nullptr;
  prometheus::Family<prometheus::Counter>* retries = nullptr;
  prometheus::Family<prometheus::Histogram>* duration = nullptr;
  prometheus::Family<prometheus::Histogram>* first_token = nullptr;
  prometheus::Family<prometheus::Histogram>* queue_wait = nullptr;
  prometheus::Gauge* in_flight = nullptr;
};

// One call in flight that identical deterministic calls wait for.
struct Flight {
  absl::Notification done;
  absl::StatusOr<Response> result;
};

class HardenedClient final : public LlmClient {
 public:
  HardenedClient(std::unique_ptr<LlmClient> inner, HardenOptions options)
      : inner_(std::move(inner)),
        options_(std::move(options)),
        clock_(options_.clock != nullptr ? *options_.clock : common::RealClock()),
        breaker_(options_.breaker),
        metrics_(options_.metrics, inner_->provider(), inner_->default_model()) {
    if (!options_.random) {
      options_.random = [rng = std::make_shared<Rng>()] { return rng->Next(); };
    }
  }

  absl::StatusOr<Response> Complete(const Request& request, const TextSink& sink) override {
    const absl::Time start = clock_.Now();
    if (metrics_.in_flight != nullptr) metrics_.in_flight->Increment();
    absl::StatusOr<Response> result =
        sink == nullptr && request.temperature == 0 ? Coalesced(request) : Guarded(request, sink);
    if (metrics_.in_flight != nullptr) metrics_.in_flight->Decrement();
    metrics_.Done(result, clock_.Now() - start, options_.prices);
    return result;
  }

  absl::string_view provider() const override { return inner_->provider(); }
  absl::string_view default_model() const override { return inner_->default_model(); }

 private:
  struct Rng {
    absl::Mutex mu;
    std::mt19937_64 engine ABSL_GUARDED_BY(mu){std::random_device{}()};
    double Next() {
      absl::MutexLock lock(&mu);
      return std::uniform_real_distribution<double>(0, 1)(engine);
    }
  };

  static std::string FlightKey(const Request& r) {
    std::string key = absl::StrCat(r.model, "\x1f", r.max_tokens, "\x1f", r.json_schema);
    for (const Message& m : r.messages) {
      absl::StrAppend(&key, "\x1e", static_cast<int>(m.role), "\x1f", m.content);
    }
    for (const std::string& s : r.stop) absl::StrAppend(&key, "\x1d", s);
    return key;
  }

  // Single flight: the first of identical calls runs; the others wait for its answer (each
  // still bounded by its own deadline and cancellation).
  absl::StatusOr<Response> Coalesced(const Request& request) {
    const std::string key = FlightKey(request);
    std::shared_ptr<Flight> flight;
    bool leader = false;
    {
      absl::MutexLock lock(&flights_mu_);
      auto [it, inserted] = flights_.try_emplace(key, nullptr);
      if (inserted) it->second = std::make_shared<Flight>();
      flight = it->second;
      leader = inserted;
    }
    if (!leader) {
      while (!flight->done.WaitForNotificationWithTimeout(kPollCancel)) {
        if (Cancelled(request)) return absl::CancelledError("the call was cancelled");
        if (clock_.Now() >= request.deadline) {
          return absl::DeadlineExceededError("deadline passed waiting for an identical call");
        }
      }
      return flight->result;
    }
    flight->result = Guarded(request, nullptr);
    {
      absl::MutexLock lock(&flights_mu_);
      flights_.erase(key);
    }
    flight->done.Notify();
    return flight->result;
  }

  absl::StatusOr<Response> Guarded(const Request& request, const TextSink& sink) {
    {
      absl::MutexLock lock(&breaker_mu_);
      if (!breaker_.Allow(clock_.Now())) {
        return CircuitOpenError(absl::StrCat(
            inner_->provider(), ": circuit open after repeated failures; next probe in ",
            absl::FormatDuration(breaker_.retry_at() - clock_.Now())));
      }
    }
    absl::StatusOr<Response> result = WithRetries(request, sink);
    absl::MutexLock lock(&breaker_mu_);
    if (result.ok()) {
      breaker_.RecordSuccess();
    } else if (IsRetryable(result.status())) {
      breaker_.RecordFailure(clock_.Now());
    } else {
      breaker_.RecordNeither();
    }
    return result;
  }

  absl::StatusOr<Response> WithRetries(const Request& request, const TextSink& sink) {
    common::Backoff backoff(options_.backoff_initial, options_.backoff_max);
    bool streamed_text = false;
    TextSink watched;
    if (sink) {
      watched = [&](absl::string_view delta) {
        streamed_text = true;
        sink(delta);
      };
    }
    absl::StatusOr<Response> result;
    for (int attempt = 1;; ++attempt) {
      result = WithSlot(request, watched);
      if (result.ok() || !IsRetryable(result.status()) || streamed_text ||
          attempt >= options_.max_attempts) {
        return result;
      }
      absl::Duration wait = backoff.Jittered(attempt, options_.random());
      if (std::optional<absl::Duration> after = RetryAfterOf(result.status())) {
        wait = std::min(*after, options_.max_retry_after);
      }
      if (clock_.Now() + wait >= request.deadline) return result;
      if (metrics_.retries != nullptr) metrics_.retries->Add(metrics_.Labels()).Increment();
      Sleep(wait, request);
      if (Cancelled(request)) return absl::CancelledError("the call was cancelled");
    }
  }

  void Sleep(absl::Duration wait, const Request& request) {
    if (options_.sleep) {
      options_.sleep(wait);
      return;
    }
    for (absl::Duration left = wait; left > absl::ZeroDuration() && !Cancelled(request);
         left -= kPollCancel) {
      absl::SleepFor(std::min(left, kPollCancel));
    }
  }

  // The concurrency limit: a slot, or a place in a bounded queue until one is free.
  absl::StatusOr<Response> WithSlot(const Request& request, const TextSink& sink) {
    const absl::Time queued = clock_.Now();
    {
      absl::MutexLock lock(&slots_mu_);
      if (active_ >= options_.max_concurrency) {
        if (waiting_ >= options_.max_queue) {
          return absl::ResourceExhaustedError(absl::StrCat(
              inner_->provider(), ": ", active_, " calls in flight and ", waiting_,
              " waiting, the most this arm allows (OCTO_LLM_MAX_CONCURRENCY)"));
        }
        ++waiting_;
        while (active_ >= options_.max_concurrency) {
          slots_mu_.AwaitWithTimeout(
              absl::Condition(
                  +[](HardenedClient* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->slots_mu_) {
                    return self->active_ < self->options_.max_concurrency;
                  },
                  this),
              kPollCancel);
          if (active_ < options_.max_concurrency) break;
          if (Cancelled(request) || clock_.Now() >= request.deadline) {
            --waiting_;
            return Cancelled(request)
                       ? absl::CancelledError("the call was cancelled while queued")
                       : absl::DeadlineExceededError("deadline passed waiting for a free slot");
          }
        }
        --waiting_;
      }
      ++active_;
    }
    if (metrics_.queue_wait != nullptr) {
      metrics_.queue_wait->Add({{"provider", metrics_.provider}}, telemetry::LatencyBuckets())
          .Observe(absl::ToDoubleSeconds(clock_.Now() - queued));
    }
    absl::StatusOr<Response> result = inner_->Complete(request, sink);
    absl::MutexLock lock(&slots_mu_);
    --active_;
    return result;
  }

  std::unique_ptr<LlmClient> inner_;
  HardenOptions options_;
  common::Clock& clock_;
  absl::Mutex breaker_mu_;
  common::CircuitBreaker breaker_ ABSL_GUARDED_BY(breaker_mu_);
  absl::Mutex slots_mu_;
  int active_ ABSL_GUARDED_BY(slots_mu_) = 0;
  int waiting_ ABSL_GUARDED_BY(slots_mu_) = 0;
  absl::Mutex flights_mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Flight>> flights_ ABSL_GUARDED_BY(flights_mu_);
  Metrics metrics_;
};

}  // namespace

std::unique_ptr<LlmClient> Harden(std::unique_ptr<LlmClient> inner, HardenOptions options) {
  return std::make_unique<HardenedClient>(std::move(inner), std::move(options));
}

}  // namespace octo::llm
