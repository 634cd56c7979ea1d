#include "src/run/result_sink.h"

#include "octo/common/check.h"
#include "octo/task/spec.h"

namespace octo::orchestrator {

void ResultSink::Put(absl::string_view tenant, const v1::Task& task) {
  OCTO_CHECK(task.state() == v1::TASK_STATE_SUCCEEDED, "only succeeded tasks are cached");
  if (cache_ == nullptr) return;
  cache_->Put(task::TaskCacheKey(tenant, task.spec()), task.SerializeAsString(), ttl_);
}

}  // namespace octo::orchestrator
