#include <ostream>

#include "contract_util.h"
#include "octo/testing/status_macros.h"
#include "octo/testing/task_repository_contract.h"

namespace octo::testing {

std::string TaskRepositoryAdapterName(const ::testing::TestParamInfo<TaskRepositoryAdapter>& info) {
  return info.param.name;
}

void PrintTo(const TaskRepositoryAdapter& adapter, std::ostream* os) { *os << adapter.name; }

void TaskRepositoryContractTest::SetUp() {
  OCTO_ASSIGN_OR_FAIL(harness_, GetParam().make());
  repo_ = &harness_->Repository();
}

v1::Task TaskRepositoryContractTest::Create(const std::string& goal, v1::Priority priority,
                                            const std::string& tenant) {
  auto created = repo_->Create(store::NewTask{tenant, "", contract::Spec(goal, priority), ""});
  EXPECT_TRUE(created.ok()) << created.status();
  return created.ok() ? created->task : v1::Task();
}

store::ClaimedTask TaskRepositoryContractTest::ClaimOne(const std::string& owner,
                                                        absl::Duration lease) {
  auto claimed = repo_->Claim(owner, lease, 1);
  EXPECT_TRUE(claimed.ok()) << claimed.status();
  if (!claimed.ok() || claimed->size() != 1) {
    ADD_FAILURE() << "expected one claimed task";
    return store::ClaimedTask();
  }
  return (*claimed)[0];
}

}  // namespace octo::testing
