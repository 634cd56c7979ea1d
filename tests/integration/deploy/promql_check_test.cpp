// The selector extraction and the checks themselves, on hand-written exposition text: a renamed
// metric, a missing label value, a label rename or a histogram turned into a gauge must fail.
#include "promql_check.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace octo::deploy_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kExposition[] = R"(# HELP grpc_server_handled_total RPCs completed.
# TYPE grpc_server_handled_total counter
grpc_server_handled_total{grpc_code="OK",grpc_method="SubmitTask",grpc_service="octo.v1.TaskService",grpc_type="unary"} 3
grpc_server_handled_total{grpc_code="PermissionDenied",grpc_method="SubmitTask",grpc_service="octo.v1.TaskService",grpc_type="unary"} 1
# TYPE grpc_server_handling_seconds histogram
grpc_server_handling_seconds_count{grpc_method="SubmitTask",grpc_service="octo.v1.TaskService",grpc_type="unary"} 4
grpc_server_handling_seconds_sum{grpc_method="SubmitTask",grpc_service="octo.v1.TaskService",grpc_type="unary"} 0.01
grpc_server_handling_seconds_bucket{grpc_method="SubmitTask",grpc_service="octo.v1.TaskService",grpc_type="unary",le="0.005"} 4
grpc_server_handling_seconds_bucket{grpc_method="SubmitTask",grpc_service="octo.v1.TaskService",grpc_type="unary",le="+Inf"} 4
# TYPE octo_orchestrator_queue_depth gauge
octo_orchestrator_queue_depth 0
# TYPE octo_reflex_decisions_total counter
octo_reflex_decisions_total{decision="quoted \"block\""} 1
)";

Scrape ReflexScrape(const std::string& text = kExposition) {
  Scrape scrape;
  EXPECT_TRUE(AddTarget(text, {{"job", "octo-reflex"}, {"pod", "reflex-0"}}, scrape).ok());
  return scrape;
}

std::vector<std::string> CheckExpr(const std::string& expr, const Scrape& scrape,
                                   const std::set<std::string>& legend = {}) {
  auto query = ParseQuery(expr);
  EXPECT_TRUE(query.ok()) << query.status();
  return query.ok() ? Check(*query, scrape, legend) : std::vector<std::string>{"unparsable"};
}

TEST(ParseQuery, FindsSelectorsMatchersAndGroupingLabels) {
  auto query = ParseQuery(
      "histogram_quantile(0.99, sum by (le, grpc_method) (rate(grpc_server_handling_seconds_bucket"
      "{job=\"octo-reflex\", grpc_code!~'OK|Canceled'}[$__rate_interval]))) > 0.020\n"
      "  and on () sum without(pod) (rate(x_total[5m] offset 1d)) / ignoring (level) group_left "
      "max(up{job=~\"octo-.*\"} == 1) # a comment with metric_like_words\n");
  ASSERT_TRUE(query.ok()) << query.status();
  ASSERT_THAT(query->selectors, SizeIs(3));
  EXPECT_EQ(query->selectors[0].metric, "grpc_server_handling_seconds_bucket");
  ASSERT_THAT(query->selectors[0].matchers, SizeIs(2));
  EXPECT_EQ(query->selectors[0].matchers[0].label, "job");
  EXPECT_EQ(query->selectors[0].matchers[0].op, "=");
  EXPECT_EQ(query->selectors[0].matchers[0].value, "octo-reflex");
  EXPECT_EQ(query->selectors[0].matchers[1].op, "!~");
  EXPECT_EQ(query->selectors[0].matchers[1].value, "OK|Canceled");
  EXPECT_EQ(query->selectors[1].metric, "x_total");
  EXPECT_THAT(query->selectors[1].matchers, IsEmpty());
  EXPECT_EQ(query->selectors[2].metric, "up");
  EXPECT_THAT(query->labels, ElementsAre("grpc_method", "le", "level", "pod"));
}

TEST(ParseQuery, RejectsWhatItCannotCheck) {
  EXPECT_FALSE(ParseQuery("sum(rate({__name__=~\"octo_.*\"}[5m]))").ok());
  EXPECT_FALSE(ParseQuery("rate(x{job=\"$job\"}[5m])").ok());
  EXPECT_FALSE(ParseQuery("rate(x{job=\"a\"[5m])").ok());
  EXPECT_FALSE(ParseQuery("rate(x[5m)").ok());
}

TEST(Check, PassesWhenEveryPartIsThere) {
  const Scrape scrape = ReflexScrape();
  EXPECT_THAT(
      CheckExpr("histogram_quantile(0.99, sum by (le) (rate(grpc_server_handling_seconds_bucket"
                "{job=\"octo-reflex\", grpc_service=\"octo.v1.TaskService\"}[5m]))) > 0.02",
                scrape),
      IsEmpty());
  EXPECT_THAT(
      CheckExpr(
          "sum by (grpc_code) (rate(grpc_server_handled_total{grpc_code!~\"OK|NotFound\"}[5m]))",
          scrape, {"grpc_code", "job"}),
      IsEmpty());
  EXPECT_THAT(CheckExpr("up{job=~\"octo-.*\"} == 0", scrape), IsEmpty());
  EXPECT_THAT(CheckExpr("octo_reflex_decisions_total{decision=\"quoted \\\"block\\\"\"}", scrape),
              IsEmpty());
}

TEST(Check, FailsOnARenamedMetric) {
  const Scrape scrape = ReflexScrape();
  auto problems = CheckExpr("max(octo_orchestrator_queue_depth_tasks)", scrape);
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], HasSubstr("octo_orchestrator_queue_depth_tasks is not exposed"));
}

TEST(Check, FailsWhenNoSampleHasTheLiteralLabelValues) {
  const Scrape scrape = ReflexScrape();
  auto problems = CheckExpr(
      "rate(grpc_server_handled_total{job=\"octo-reflex\", grpc_code=\"Unavailable\"}[5m])",
      scrape);
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0], HasSubstr("no sample matches"));
  EXPECT_THAT(problems[0], HasSubstr("OK, PermissionDenied"));
  EXPECT_THAT(CheckExpr("rate(grpc_server_handled_total{job=\"octo-orchestrator\"}[5m])", scrape),
              SizeIs(1));
  EXPECT_THAT(CheckExpr("up{job=~\"octo-arm-.*\"}", scrape), SizeIs(1));
}

TEST(Check, FailsOnARenamedLabel) {
  const Scrape scrape = ReflexScrape();
  // A negative matcher need not match anything, but its label must exist.
  EXPECT_THAT(CheckExpr("rate(grpc_server_handled_total{status!=\"OK\"}[5m])", scrape), SizeIs(1));
  EXPECT_THAT(CheckExpr("sum by (code) (rate(grpc_server_handled_total[5m]))", scrape), SizeIs(1));
  EXPECT_THAT(CheckExpr("sum(rate(grpc_server_handled_total[5m]))", scrape, {"grpc_status"}),
              SizeIs(1));
}

TEST(Check, FailsWhenAHistogramIsNotOne) {
  Scrape scrape = ReflexScrape(std::string(kExposition) +
                               "# TYPE octo_fake summary\nocto_fake_count 1\nocto_fake_bucket 1\n");
  EXPECT_THAT(CheckExpr("rate(octo_fake_count[5m])", scrape), IsEmpty());
  EXPECT_THAT(CheckExpr("rate(octo_fake_bucket[5m])", scrape), SizeIs(1));
}

TEST(Check, TargetLabelsWinAndClashesAreExported) {
  Scrape scrape;
  ASSERT_TRUE(AddTarget("m{job=\"inner\"} 1\n", {{"job", "outer"}}, scrape).ok());
  ASSERT_THAT(scrape.samples, SizeIs(2));
  EXPECT_EQ(scrape.samples[0].labels.at("job"), "outer");
  EXPECT_EQ(scrape.samples[0].labels.at("exported_job"), "inner");
  EXPECT_EQ(scrape.samples[1].name, "up");
}

TEST(LegendLabels, ReadsGrafanaPlaceholders) {
  EXPECT_THAT(LegendLabels("{{kind}} {{ code }} P95"), ElementsAre("code", "kind"));
  EXPECT_THAT(LegendLabels("pending"), IsEmpty());
}

TEST(YamlValues, ReadsPlainQuotedAndBlockScalars) {
  constexpr char kRules[] = R"(groups:
  - name: g
    rules:
      - alert: One
        expr: up == 0   # comment
        for: 1m
      - alert: Two
        expr: |
          sum(rate(a_total[5m]))
            / sum(rate(b_total[5m]))

        labels: {severity: warning}
      - alert: Three
        expr: 'x{job="a"} > 1'
      - record: four
        expr: >-
          y
)";
  auto values = YamlValues(kRules, "expr", "rules.yaml");
  ASSERT_TRUE(values.ok()) << values.status();
  ASSERT_THAT(*values, SizeIs(4));
  EXPECT_EQ((*values)[0].where, "rules.yaml: One");
  EXPECT_EQ((*values)[0].expr, "up == 0");
  EXPECT_EQ((*values)[1].where, "rules.yaml: Two");
  EXPECT_EQ((*values)[1].expr, "sum(rate(a_total[5m]))\n  / sum(rate(b_total[5m]))\n");
  EXPECT_EQ((*values)[2].expr, "x{job=\"a\"} > 1");
  EXPECT_EQ((*values)[3].where, "rules.yaml: four");
  EXPECT_EQ((*values)[3].expr, "y\n");
  EXPECT_FALSE(YamlValues("- alert: A\n  expr:\n    up\n", "expr", "f").ok());
}

TEST(DashboardQueries, WalksRowsAndRejectsEmptyPanels) {
  auto queries = DashboardQueries(R"({"panels": [
      {"type": "row", "title": "r", "panels": [
        {"type": "timeseries", "title": "inner", "targets": [{"expr": "a", "refId": "A", "legendFormat": "{{x}}"}]}]},
      {"type": "stat", "title": "outer", "targets": [{"expr": "b", "refId": "A"}, {"expr": "c", "refId": "B"}]}]})",
                                  "d.json");
  ASSERT_TRUE(queries.ok()) << queries.status();
  ASSERT_THAT(*queries, SizeIs(3));
  EXPECT_EQ((*queries)[0].where, "d.json: inner [A]");
  EXPECT_EQ((*queries)[0].legend, "{{x}}");
  EXPECT_FALSE(
      DashboardQueries(R"({"panels": [{"type": "timeseries", "title": "t", "targets": []}]})", "d")
          .ok());
}

}  // namespace
}  // namespace octo::deploy_test
