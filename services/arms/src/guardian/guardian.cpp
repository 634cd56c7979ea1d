#include "src/guardian/guardian.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "octo/guard/output_guard.h"

namespace octo::arms {
namespace {

class Guardian final : public ArmHandler {
 public:
  v1::ArmDescription Describe() const override {
    return Description("guardian", {"guard"}, v1::COST_TIER_FREE);
  }

  absl::StatusOr<v1::ExecuteResponse> Execute(const v1::ExecuteRequest& request,
                                              const CallContext&) override {
    if (request.inputs().empty()) {
      return absl::InvalidArgumentError(
          "inputs: a guard step needs the steps whose outputs it checks (depends_on)");
    }
    v1::ExecuteResponse response;
    v1::GuardReport* report = response.mutable_output()->mutable_guard();
    std::vector<std::string> texts;
    for (const v1::StepInput& input : request.inputs()) {
      // The arm does not know the tenant's strategy; masking by type keeps nothing of a value.
      v1::ArmOutput output = input.output();
      if (output.text().empty()) output.set_text(input.text());
      guard::Merge(guard_.Guard(&output, safety::RedactionStrategy::kTypedMask), report);
      texts.push_back(request.inputs_size() == 1
                          ? output.text()
                          : absl::StrCat("[", input.step_id(), "]\n", output.text()));
    }
    response.mutable_output()->set_text(absl::StrJoin(texts, "\n\n"));
    response.mutable_provenance()->set_method("rules");
    return response;
  }

 private:
  const guard::OutputGuard guard_;
};

}  // namespace

std::unique_ptr<ArmHandler> NewGuardian() { return std::make_unique<Guardian>(); }

}  // namespace octo::arms
