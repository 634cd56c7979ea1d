#include "octo/telemetry/metrics.h"
#include "src/run/run_env.h"

namespace octo::orchestrator {

RunMetrics::RunMetrics(prometheus::Registry& registry)
    : finished(telemetry::CounterFamily(
          registry, "octo_orchestrator_tasks_finished_total",
          "Tasks that reached a terminal state on this replica, by state.")),
      failed(telemetry::CounterFamily(registry, "octo_orchestrator_tasks_failed_total",
                                      "Tasks that ended FAILED on this replica, by error reason.")),
      task_seconds(
          telemetry::HistogramFamily(registry, "octo_orchestrator_task_seconds",
                                     "Time from submission to a terminal state, in seconds.")
              .Add({}, telemetry::LatencyBuckets())),
      step_seconds(telemetry::HistogramFamily(
          registry, "octo_orchestrator_step_seconds",
          "Arm call latency per step attempt, in seconds, by capability.")),
      steps(telemetry::CounterFamily(
          registry, "octo_orchestrator_steps_total",
          "Step attempts ended, by capability and outcome (succeeded, retried, "
          "failed, cancelled).")),
      dag_speedup(telemetry::HistogramFamily(
                      registry, "octo_orchestrator_dag_speedup_ratio",
                      "Per task with two or more steps: the sum of its arm call times "
                      "over the wall time of its DAG (1 = no parallelism).")
                      .Add({}, prometheus::Histogram::BucketBoundaries{0.5, 0.9, 1.1, 1.5, 2, 3, 4,
                                                                       6, 8})) {}

}  // namespace octo::orchestrator
