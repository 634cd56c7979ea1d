#include "eval.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

namespace octo::safety::eval {
namespace {

using Json = nlohmann::json;

// Reads one JSON object per non-empty line.
bool ReadJsonLines(const std::string& path, std::vector<Json>& out, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot open " + path;
    return false;
  }
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains("id") || !j.contains("text") ||
        !j["text"].is_string()) {
      *error = path + ":" + std::to_string(lineno) + ": not a valid record";
      return false;
    }
    out.push_back(std::move(j));
  }
  return true;
}

std::string Snippet(const std::string& text, uint32_t s, uint32_t e) {
  std::string v = text.substr(s, std::min<size_t>(e - s, 60));
  for (char& c : v) {
    if (c == '\n') c = ' ';
  }
  return v;
}

}  // namespace

std::optional<PiiReport> EvaluatePii(const PiiDetector& detector, const std::string& path,
                                     std::string* error) {
  std::vector<Json> records;
  if (!ReadJsonLines(path, records, error)) return std::nullopt;
  PiiReport report;
  for (int t = 0; t < kPiiTypeCount; ++t) {
    report.by_type[std::string(PiiTypeName(static_cast<PiiType>(t)))] = {};
  }
  for (const Json& rec : records) {
    const std::string id = rec["id"].get<std::string>();
    const std::string text = rec["text"].get<std::string>();
    using Key = std::tuple<std::string, uint32_t, uint32_t>;
    std::set<Key> gold, pred;
    if (rec.contains("entities") && rec["entities"].is_array()) {
      for (const Json& e : rec["entities"]) {
        gold.emplace(e.at("type").get<std::string>(), e.at("start").get<uint32_t>(),
                     e.at("end").get<uint32_t>());
      }
    }
    for (const PiiFinding& f : detector.Scan(text)) {
      pred.emplace(std::string(PiiTypeName(f.type)), f.start, f.end);
    }
    for (const Key& k : gold) {
      Counts& c = report.by_type[std::get<0>(k)];
      if (pred.count(k) != 0) {
        ++c.tp;
      } else {
        ++c.fn;
        report.errors.push_back(id + ": missed " + std::get<0>(k) + " [" +
                                std::to_string(std::get<1>(k)) + "," +
                                std::to_string(std::get<2>(k)) + ") '" +
                                Snippet(text, std::get<1>(k), std::get<2>(k)) + "'");
      }
    }
    for (const Key& k : pred) {
      if (gold.count(k) != 0) continue;
      ++report.by_type[std::get<0>(k)].fp;
      report.errors.push_back(id + ": spurious " + std::get<0>(k) + " [" +
                              std::to_string(std::get<1>(k)) + "," +
                              std::to_string(std::get<2>(k)) + ") '" +
                              Snippet(text, std::get<1>(k), std::get<2>(k)) + "'");
    }
    ++report.records;
  }
  for (const auto& [type, c] : report.by_type) {
    report.overall.tp += c.tp;
    report.overall.fp += c.fp;
    report.overall.fn += c.fn;
  }
  return report;
}

std::optional<InjectionReport> EvaluateInjection(const InjectionDetector& detector,
                                                 const std::string& path, std::string* error) {
  std::vector<Json> records;
  if (!ReadJsonLines(path, records, error)) return std::nullopt;
  InjectionReport report;
  for (const Json& rec : records) {
    const std::string id = rec["id"].get<std::string>();
    const std::string text = rec["text"].get<std::string>();
    const bool injection = rec.value("label", "") == "injection";
    const InjectionResult result = detector.Scan(text);
    ++report.records;
    if (injection) {
      const std::string family = rec.contains("family") && rec["family"].is_string()
                                     ? rec["family"].get<std::string>()
                                     : "unknown";
      auto& fam = report.by_family[family];
      ++fam.total;
      ++report.injections;
      if (result.flagged()) {
        ++fam.detected;
        ++report.detected;
        if (result.top_family() == family) {
          ++fam.family_correct;
          ++report.family_correct;
        } else {
          report.errors.push_back(id + ": family " + std::string(result.top_family()) + " (want " +
                                  family + ")");
        }
      } else {
        report.errors.push_back(id + ": missed " + family + " (score " +
                                std::to_string(result.score) + "): " + text.substr(0, 100));
      }
    } else {
      ++report.benign;
      if (result.flagged()) {
        ++report.false_positives;
        report.errors.push_back(id + ": false positive " + std::string(result.top_family()) +
                                " (score " + std::to_string(result.score) +
                                "): " + text.substr(0, 100));
      }
    }
  }
  return report;
}

}  // namespace octo::safety::eval
