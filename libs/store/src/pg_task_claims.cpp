// The Postgres TaskRepository's claims and leases: claiming queued and abandoned tasks,
// renewing and releasing leases.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "pg.h"
#include "pg_task_repository.h"
#include "pg_task_rows.h"
#include "pg_task_statements.h"
#include "task_rules.h"

namespace octo::store::detail {
namespace {

// Claim looks at this many candidates beyond `max` per priority level, so that rows locked by
// concurrent claimers (skipped) rarely leave it short.
constexpr int kClaimSlack = 16;

// Fills in the stored steps of the claimed tasks whose ids are `taken_over`.
void LoadTakenOverSteps(pqxx::connection& c, const std::vector<std::string>& taken_over,
                        std::vector<ClaimedTask>& claimed) {
  // The lease keeps the steps from changing under us.
  pqxx::read_transaction tx(c);
  pqxx::result r = Exec(tx, kSelectStepsOfTasks, IdArray(taken_over));
  absl::flat_hash_map<std::string, v1::Task*> by_id;
  for (ClaimedTask& task : claimed) by_id[task.task.id()] = &task.task;
  for (const auto& row : r) ReadProto(row[1], by_id.at(row[0].c_str())->add_steps());
}

}  // namespace

absl::StatusOr<std::vector<ClaimedTask>> PgTaskRepository::Claim(absl::string_view owner,
                                                                 absl::Duration lease, int max) {
  if (absl::Status checked = CheckLease(owner, lease); !checked.ok()) return checked;
  if (max <= 0) return std::vector<ClaimedTask>{};
  return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<std::vector<ClaimedTask>> {
    std::vector<ClaimedTask> claimed;
    std::vector<std::string> taken_over;
    {
      // One statement, committed on its own: if the connection breaks while it runs and the
      // pool retries, tasks claimed by the lost attempt are only delayed (their lease runs
      // out and they are claimed again).
      pqxx::nontransaction tx(c);
      pqxx::result r = Exec(tx, kClaim, std::string(owner), ToMicros(lease), max, kAgingSeconds,
                            max + kClaimSlack);
      for (const auto& row : r) {
        StoredTask stored = ParseTask(row);
        const bool resumed = row["old_state"].as<int>() != v1::TASK_STATE_PENDING;
        if (resumed) taken_over.push_back(stored.task.id());
        claimed.push_back(ClaimedTask{std::move(stored.tenant_id), std::move(stored.task),
                                      stored.cancel_requested, std::move(stored.traceparent),
                                      resumed});
      }
    }
    // Resume from the stored steps.
    if (!taken_over.empty()) LoadTakenOverSteps(c, taken_over, claimed);
    return claimed;
  });
}

absl::StatusOr<RenewResult> PgTaskRepository::Renew(absl::string_view owner,
                                                    const std::vector<std::string>& task_ids,
                                                    absl::Duration lease) {
  if (absl::Status checked = CheckLease(owner, lease); !checked.ok()) return checked;
  std::vector<std::string> ids;  // valid ones, lower-case as Postgres prints them
  for (const std::string& id : task_ids) {
    if (IsUuid(id)) ids.push_back(absl::AsciiStrToLower(id));
  }
  struct Renewed {
    std::set<std::string> ids;
    std::vector<std::string> cancel_requested;
  };
  auto renewed = pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<Renewed> {
    Renewed renewed;
    if (ids.empty()) return renewed;
    pqxx::work tx(c);
    pqxx::result r = Exec(tx, kRenew, std::string(owner), IdArray(ids), ToMicros(lease));
    tx.commit();
    for (const auto& row : r) {
      renewed.ids.insert(row[0].c_str());
      if (row[1].as<bool>()) renewed.cancel_requested.push_back(row[0].c_str());
    }
    return renewed;
  });
  if (!renewed.ok()) return renewed.status();
  RenewResult out;
  out.cancel_requested = std::move(renewed->cancel_requested);
  for (const std::string& id : task_ids) {
    if (!renewed->ids.contains(absl::AsciiStrToLower(id))) out.lost.push_back(id);
  }
  return out;
}

absl::StatusOr<int> PgTaskRepository::Release(absl::string_view owner,
                                              const std::vector<std::string>& task_ids) {
  if (owner.empty()) return absl::InvalidArgumentError("lease owner is empty");
  std::vector<std::string> ids;
  for (const std::string& id : task_ids) {
    if (IsUuid(id)) ids.push_back(id);
  }
  if (ids.empty()) return 0;
  return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<int> {
    pqxx::work tx(c);
    pqxx::result r = Exec(tx, kRelease, std::string(owner), IdArray(ids));
    tx.commit();
    return static_cast<int>(r.affected_rows());
  });
}

}  // namespace octo::store::detail
