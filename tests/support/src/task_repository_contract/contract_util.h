// Builders and projections shared by the TaskRepository contract tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "octo/store/task_repository.h"
#include "octo/v1/task.pb.h"

namespace octo::testing::contract {

inline v1::TaskSpec Spec(const std::string& goal, v1::Priority priority = v1::PRIORITY_MEDIUM) {
  v1::TaskSpec spec;
  spec.set_goal(goal);
  spec.set_priority(priority);
  return spec;
}

inline v1::Step MakeStep(const std::string& id, v1::StepState state,
                         const std::string& instruction) {
  v1::Step step;
  step.set_id(id);
  step.set_capability("retrieve");
  step.set_instruction(instruction);
  step.set_state(state);
  return step;
}

inline v1::TaskEvent Event(v1::TaskEventKind kind, const std::string& step_id = "") {
  v1::TaskEvent event;
  event.set_kind(kind);
  event.set_step_id(step_id);
  return event;
}

inline store::TaskUpdate Update(const std::string& task_id, const std::string& owner,
                                std::optional<v1::TaskState> state = std::nullopt) {
  store::TaskUpdate update;
  update.task_id = task_id;
  update.lease_owner = owner;
  update.state = state;
  return update;
}

inline store::ListQuery Query(v1::TaskState state, int page_size,
                              const std::string& page_token = "") {
  store::ListQuery query;
  query.state = state;
  query.page_size = page_size;
  query.page_token = page_token;
  return query;
}

inline std::vector<std::string> Ids(const std::vector<store::ClaimedTask>& claimed) {
  std::vector<std::string> ids;
  for (const auto& c : claimed) ids.push_back(c.task.id());
  return ids;
}

inline std::vector<int64_t> Seqs(const std::vector<v1::TaskEvent>& events) {
  std::vector<int64_t> seqs;
  for (const auto& e : events) seqs.push_back(e.seq());
  return seqs;
}

}  // namespace octo::testing::contract
