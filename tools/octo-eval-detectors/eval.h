// Scoring the octo::safety detectors against the reflex JSONL evaluation files. Shared by the
// octo-eval-detectors tool and the safety_quality test.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "octo/safety/injection.h"
#include "octo/safety/pii.h"

namespace octo::safety::eval {

struct Counts {
  int tp = 0, fp = 0, fn = 0;
  double Precision() const { return tp + fp == 0 ? 1.0 : static_cast<double>(tp) / (tp + fp); }
  double Recall() const { return tp + fn == 0 ? 1.0 : static_cast<double>(tp) / (tp + fn); }
  double F1() const {
    double p = Precision(), r = Recall();
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }
};

struct PiiReport {
  std::map<std::string, Counts> by_type;  // keyed by PiiTypeName
  Counts overall;                         // micro-averaged
  int records = 0;
  std::vector<std::string> errors;  // "id: missed TYPE [s,e) 'value'" / "id: spurious ..."
};

struct InjectionReport {
  struct Family {
    int total = 0, detected = 0, family_correct = 0;
  };
  std::map<std::string, Family> by_family;
  int injections = 0, detected = 0, family_correct = 0;
  int benign = 0, false_positives = 0;
  int records = 0;
  std::vector<std::string> errors;  // misses and false positives with ids
  double Recall() const {
    return injections == 0 ? 1.0 : static_cast<double>(detected) / injections;
  }
  double FalsePositiveRate() const {
    return benign == 0 ? 0.0 : static_cast<double>(false_positives) / benign;
  }
};

// Both return nullopt and set *error when the file cannot be read or a line is not a valid
// record.
std::optional<PiiReport> EvaluatePii(const PiiDetector& detector, const std::string& path,
                                     std::string* error);
std::optional<InjectionReport> EvaluateInjection(const InjectionDetector& detector,
                                                 const std::string& path, std::string* error);

}  // namespace octo::safety::eval
