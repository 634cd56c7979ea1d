// The one writer of task results to the shared result cache, with the one TTL.
#pragma once

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "octo/cache/cache.h"
#include "octo/v1/task.pb.h"

namespace octo::orchestrator {

// Thread-safe as far as the cache is.
class ResultSink {
 public:
  // `cache` may be null: then nothing is stored. It must outlive the sink.
  ResultSink(cache::Cache* cache, absl::Duration ttl) : cache_(cache), ttl_(ttl) {}

  // Stores `task`, which must be SUCCEEDED with its final result, under the cache key of
  // its tenant and spec, so that reflex replicas answer the same submission from the cache.
  // Only real answers reach here: a task never ends SUCCEEDED with a placeholder.
  void Put(absl::string_view tenant, const v1::Task& task);

 private:
  cache::Cache* const cache_;
  const absl::Duration ttl_;
};

}  // namespace octo::orchestrator
