// octo-eval-detectors --pii FILE --injection FILE [--json] [--verbose]
//
// Runs the octo::safety detectors over labelled JSON Lines files (format in
// shared/data/README.md) and prints:
//   PII: precision/recall/F1 per type and micro-averaged overall, counting a prediction as
//        correct only when its type and byte span both match exactly;
//   injection: recall per family and overall (flagged at the default threshold), how often the
//        top finding names the labelled family, and the false-positive rate on benign records.
// --verbose adds every miss / false positive with its record id. Exit status 2 on bad usage or
// unreadable input.

#include <cstdio>
#include <cstring>
#include <string>

#include "eval.h"
#include "octo/common/log.h"

namespace {

using octo::safety::eval::InjectionReport;
using octo::safety::eval::PiiReport;

void PrintPiiText(const PiiReport& r, bool verbose) {
  std::printf("PII (%d records; span-exact, type-exact)\n", r.records);
  std::printf("  %-15s %6s %6s %6s %9s %9s %9s\n", "type", "tp", "fp", "fn", "precision", "recall",
              "f1");
  for (const auto& [type, c] : r.by_type) {
    std::printf("  %-15s %6d %6d %6d %9.4f %9.4f %9.4f\n", type.c_str(), c.tp, c.fp, c.fn,
                c.Precision(), c.Recall(), c.F1());
  }
  const auto& o = r.overall;
  std::printf("  %-15s %6d %6d %6d %9.4f %9.4f %9.4f\n", "OVERALL", o.tp, o.fp, o.fn, o.Precision(),
              o.Recall(), o.F1());
  if (verbose) {
    for (const auto& e : r.errors) std::printf("  - %s\n", e.c_str());
  }
}

void PrintInjectionText(const InjectionReport& r, bool verbose) {
  std::printf("Injection (%d records)\n", r.records);
  std::printf("  %-22s %6s %8s %8s %10s\n", "family", "total", "detected", "recall", "family_ok");
  for (const auto& [family, f] : r.by_family) {
    std::printf("  %-22s %6d %8d %8.4f %10d\n", family.c_str(), f.total, f.detected,
                f.total == 0 ? 1.0 : static_cast<double>(f.detected) / f.total, f.family_correct);
  }
  std::printf("  %-22s %6d %8d %8.4f %10d\n", "OVERALL", r.injections, r.detected, r.Recall(),
              r.family_correct);
  std::printf("  benign: %d, false positives: %d, false-positive rate: %.4f\n", r.benign,
              r.false_positives, r.FalsePositiveRate());
  if (verbose) {
    for (const auto& e : r.errors) std::printf("  - %s\n", e.c_str());
  }
}

// Prints `,"errors":[...]` with each error as a JSON string.
void PrintErrors(const std::vector<std::string>& errors) {
  std::string out = ",\"errors\":[";
  for (size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) out += ',';
    octo::log::AppendJsonString(&out, errors[i]);
  }
  out += ']';
  std::fputs(out.c_str(), stdout);
}

void PrintJson(const PiiReport* pii, const InjectionReport* inj, bool verbose) {
  std::printf("{");
  if (pii != nullptr) {
    std::printf("\"pii\":{\"records\":%d,\"types\":{", pii->records);
    bool first = true;
    for (const auto& [type, c] : pii->by_type) {
      std::printf(
          "%s\"%s\":{\"tp\":%d,\"fp\":%d,\"fn\":%d,\"precision\":%.4f,\"recall\":%.4f,"
          "\"f1\":%.4f}",
          first ? "" : ",", type.c_str(), c.tp, c.fp, c.fn, c.Precision(), c.Recall(), c.F1());
      first = false;
    }
    const auto& o = pii->overall;
    std::printf(
        "},\"overall\":{\"tp\":%d,\"fp\":%d,\"fn\":%d,\"precision\":%.4f,\"recall\":%.4f,"
        "\"f1\":%.4f}",
        o.tp, o.fp, o.fn, o.Precision(), o.Recall(), o.F1());
    if (verbose) PrintErrors(pii->errors);
    std::printf("}");
  }
  if (inj != nullptr) {
    std::printf("%s\"injection\":{\"records\":%d,\"families\":{", pii != nullptr ? "," : "",
                inj->records);
    bool first = true;
    for (const auto& [family, f] : inj->by_family) {
      std::printf("%s\"%s\":{\"total\":%d,\"detected\":%d,\"recall\":%.4f,\"family_correct\":%d}",
                  first ? "" : ",", family.c_str(), f.total, f.detected,
                  f.total == 0 ? 1.0 : static_cast<double>(f.detected) / f.total, f.family_correct);
      first = false;
    }
    std::printf(
        "},\"recall\":%.4f,\"family_correct\":%d,\"benign\":%d,\"false_positives\":%d,"
        "\"false_positive_rate\":%.4f",
        inj->Recall(), inj->family_correct, inj->benign, inj->false_positives,
        inj->FalsePositiveRate());
    if (verbose) PrintErrors(inj->errors);
    std::printf("}");
  }
  std::printf("}\n");
}

int Usage() {
  std::fprintf(stderr,
               "usage: octo-eval-detectors [--pii FILE] [--injection FILE] [--json] "
               "[--verbose]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string pii_path, injection_path;
  bool json = false, verbose = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--pii") == 0 && i + 1 < argc) {
      pii_path = argv[++i];
    } else if (std::strcmp(argv[i], "--injection") == 0 && i + 1 < argc) {
      injection_path = argv[++i];
    } else if (std::strcmp(argv[i], "--json") == 0) {
      json = true;
    } else if (std::strcmp(argv[i], "--verbose") == 0) {
      verbose = true;
    } else {
      return Usage();
    }
  }
  if (pii_path.empty() && injection_path.empty()) return Usage();

  std::optional<PiiReport> pii;
  std::optional<InjectionReport> inj;
  std::string error;
  if (!pii_path.empty()) {
    octo::safety::PiiDetector detector;
    pii = octo::safety::eval::EvaluatePii(detector, pii_path, &error);
  }
  if (error.empty() && !injection_path.empty()) {
    octo::safety::InjectionDetector detector;
    inj = octo::safety::eval::EvaluateInjection(detector, injection_path, &error);
  }
  if (!error.empty()) {
    std::fprintf(stderr, "octo-eval-detectors: %s\n", error.c_str());
    return 2;
  }
  if (json) {
    PrintJson(pii ? &*pii : nullptr, inj ? &*inj : nullptr, verbose);
  } else {
    if (pii) PrintPiiText(*pii, verbose);
    if (pii && inj) std::printf("\n");
    if (inj) PrintInjectionText(*inj, verbose);
  }
  return 0;
}
