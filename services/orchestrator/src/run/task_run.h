// Runs one claimed task to a terminal state: plans it (planner arm or built-in planner), runs
// its step DAG on the arms with retries, failover and budgets, has the judge check the result
// (one repair round), and stores every transition. The engine decides which tasks run.
//
// The run's parts, in the order a task meets them: task_state (the task and its unwritten
// changes, no I/O), rounds (planning a round), step_call (starting arm calls), step_outcome
// (what a finished call means), integrate (the result), checkpoint (writing, and the end).
#pragma once

#include <memory>

#include "octo/store/task_repository.h"
#include "src/run/run_env.h"
#include "src/run/task_control.h"

namespace octo::orchestrator {

// Runs `claimed` until it is terminal or the control abandons it. Blocks the calling thread;
// returns only once none of its arm calls is in flight.
void RunTask(const RunEnv& env, store::ClaimedTask claimed, std::shared_ptr<TaskControl> control);

}  // namespace octo::orchestrator
