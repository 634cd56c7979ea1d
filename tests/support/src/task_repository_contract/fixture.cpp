#include <ostream>
#include <string>
#include <vector>

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

void TaskRepositoryContractTest::ExpectNothingToClaim(const std::string& owner, int max) {
  auto claimed = repo_->Claim(owner, absl::Seconds(30), max);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  EXPECT_TRUE(claimed->empty()) << owner << " claimed " << claimed->size() << " task(s)";
}

void TaskRepositoryContractTest::ExpectPending(int64_t n) {
  auto pending = repo_->CountPending();
  ASSERT_TRUE(pending.ok()) << pending.status();
  EXPECT_EQ(*pending, n);
}

void TaskRepositoryContractTest::ExpectLeaseLost(const std::string& owner, const std::string& id) {
  auto renewed = repo_->Renew(owner, {id}, absl::Seconds(30));
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_EQ(renewed->lost, std::vector<std::string>{id}) << owner << " still holds " << id;
}

}  // namespace octo::testing
