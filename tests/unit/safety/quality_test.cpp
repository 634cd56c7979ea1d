// The detectors' quality on the labelled dev files in shared/data: the bar the reflex service
// relies on. Skipped when the files are absent (e.g. a checkout without shared/).

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "eval.h"

namespace octo::safety {
namespace {

const std::string kDataDir = OCTO_SAFETY_DATA_DIR;

TEST(SafetyQuality, PiiPrecisionAndRecall) {
  const std::string path = kDataDir + "/pii_dev.jsonl";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not found";
  PiiDetector detector;
  std::string error;
  auto report = eval::EvaluatePii(detector, path, &error);
  ASSERT_TRUE(report) << error;
  std::string detail;
  for (const auto& e : report->errors) detail += e + "\n";
  EXPECT_GE(report->overall.Precision(), 0.97) << detail;
  EXPECT_GE(report->overall.Recall(), 0.95) << detail;
}

TEST(SafetyQuality, InjectionRecallAndFalsePositives) {
  const std::string path = kDataDir + "/injection_dev.jsonl";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not found";
  InjectionDetector detector;
  std::string error;
  auto report = eval::EvaluateInjection(detector, path, &error);
  ASSERT_TRUE(report) << error;
  std::string detail;
  for (const auto& e : report->errors) detail += e + "\n";
  EXPECT_GE(report->Recall(), 0.90) << detail;
  EXPECT_LE(report->FalsePositiveRate(), 0.05) << detail;
}

}  // namespace
}  // namespace octo::safety
