#include "octo/telemetry/metrics.h"
#include "src/run/run_env.h"

namespace octo::orchestrator {

RunMetrics::RunMetrics(prometheus::Registry& registry)
    : finished(prometheus::BuildCounter()
                   .Name("octo_orchestrator_tasks_finished_total")
                   .Help("Tasks that reached a terminal state on this replica, by state.")
                   .Register(registry)),
      failed(prometheus::BuildCounter()
                 .Name("octo_orchestrator_tasks_failed_total")
                 .Help("Tasks that ended FAILED on this replica, by error reason.")
                 .Register(registry)),
      task_seconds(prometheus::BuildHistogram()
                       .Name("octo_orchestrator_task_seconds")
                       .Help("Time from submission to a terminal state, in seconds.")
                       .Register(registry)
                       .Add({}, telemetry::LatencyBuckets())),
      step_seconds(prometheus::BuildHistogram()
                       .Name("octo_orchestrator_step_seconds")
                       .Help("Arm call latency per step attempt, in seconds, by capability.")
                       .Register(registry)),
      steps(prometheus::BuildCounter()
                .Name("octo_orchestrator_steps_total")
                .Help("Step attempts ended, by capability and outcome (succeeded, retried, "
                      "failed, cancelled).")
                .Register(registry)),
      dag_speedup(prometheus::BuildHistogram()
                      .Name("octo_orchestrator_dag_speedup_ratio")
                      .Help("Per task with two or more steps: the sum of its arm call times "
                            "over the wall time of its DAG (1 = no parallelism).")
                      .Register(registry)
                      .Add({}, prometheus::Histogram::BucketBoundaries{0.5, 0.9, 1.1, 1.5, 2, 3, 4,
                                                                       6, 8})) {}

}  // namespace octo::orchestrator
