// A language model for arm unit tests: answers with the replies it was given, in order (the
// last one again once they run out), and records every request; and an arm built on one.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "octo/llm/llm_client.h"
#include "src/runtime/arm_handler.h"
#include "src/runtime/model.h"

namespace octo::arms::testing {

class ScriptedModel final : public llm::LlmClient {
 public:
  explicit ScriptedModel(std::vector<absl::StatusOr<llm::Response>> replies)
      : replies_(std::move(replies)) {}

  absl::StatusOr<llm::Response> Complete(const llm::Request& request,
                                         const llm::TextSink&) override {
    absl::MutexLock lock(&mu_);
    requests_.push_back(request);
    const size_t i = std::min(requests_.size(), replies_.size()) - 1;
    return replies_[i];
  }
  absl::string_view provider() const override { return "openai"; }
  absl::string_view default_model() const override { return "gpt-4o-mini"; }

  std::vector<llm::Request> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

 private:
  const std::vector<absl::StatusOr<llm::Response>> replies_;
  absl::Mutex mu_;
  std::vector<llm::Request> requests_;
};

// A reply from gpt-4o-mini; with `usage`, 1000 tokens in and 100 out.
inline llm::Response Reply(std::string text, bool usage = true) {
  llm::Response r;
  r.text = std::move(text);
  r.model = "gpt-4o-mini";
  if (usage) r.usage = {.input_tokens = 1000, .output_tokens = 100, .reported = true};
  return r;
}

// An arm built on a scripted model: `make(model)` makes the arm.
struct ArmWithModel {
  template <typename Make>
  ArmWithModel(std::vector<absl::StatusOr<llm::Response>> replies, Make make) {
    auto client = std::make_unique<ScriptedModel>(std::move(replies));
    scripted = client.get();
    model = ArmModel::ForClient(std::move(client), llm::PriceTable::BuiltIn());
    arm = make(*model);
  }
  ScriptedModel* scripted = nullptr;
  std::unique_ptr<ArmModel> model;
  std::unique_ptr<ArmHandler> arm;
};

}  // namespace octo::arms::testing
