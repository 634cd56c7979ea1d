#include "promql_check.h"

#include <cstring>
#include <functional>
#include <regex>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"

namespace octo::deploy_test {
namespace {

bool IsIdentStart(char c) { return absl::ascii_isalpha(c) || c == '_' || c == ':'; }
bool IsIdentChar(char c) { return absl::ascii_isalnum(c) || c == '_' || c == ':'; }

// Keywords followed by an optional parenthesised list of label names.
const std::set<std::string>& LabelListKeywords() {
  static const auto* k =
      new std::set<std::string>{"by", "without", "on", "ignoring", "group_left", "group_right"};
  return *k;
}

// Words that are neither metrics nor functions: binary operators, modifiers, literals and
// aggregation operators (which may be followed by `by (…)` before their parenthesis).
const std::set<std::string>& OtherKeywords() {
  static const auto* k = new std::set<std::string>{
      "and",          "or",      "unless", "bool",     "offset", "inf",        "nan",    "atan2",
      "sum",          "min",     "max",    "avg",      "group",  "stddev",     "stdvar", "count",
      "count_values", "bottomk", "topk",   "quantile", "limitk", "limit_ratio"};
  return *k;
}

class Parser {
 public:
  explicit Parser(absl::string_view s) : s_(s) {}

  absl::StatusOr<Query> Run() {
    Query query;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (absl::ascii_isspace(c)) {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else if (c == '"' || c == '\'' || c == '`') {
        auto skipped = String();
        if (!skipped.ok()) return skipped.status();
      } else if (c == '[') {
        const size_t end = s_.find(']', pos_);
        if (end == absl::string_view::npos) return Error("unclosed [");
        pos_ = end + 1;
      } else if (c == '{') {
        return Error("selector without a metric name");
      } else if (c == '$') {
        return Error("template variable outside a [range]");
      } else if (absl::ascii_isdigit(c) ||
                 (c == '.' && pos_ + 1 < s_.size() && absl::ascii_isdigit(s_[pos_ + 1]))) {
        Number();
      } else if (IsIdentStart(c)) {
        std::string word = Identifier();
        const std::string lower = absl::AsciiStrToLower(word);
        if (LabelListKeywords().contains(lower)) {
          SkipSpace();
          if (Peek() == '(') {
            auto labels = LabelList();
            if (!labels.ok()) return labels.status();
            query.labels.insert(labels->begin(), labels->end());
          }
          continue;
        }
        if (OtherKeywords().contains(lower)) continue;
        SkipSpace();
        if (Peek() == '(') continue;  // a function call
        Selector selector{std::move(word), {}};
        if (Peek() == '{') {
          auto matchers = Matchers();
          if (!matchers.ok()) return matchers.status();
          selector.matchers = *std::move(matchers);
        }
        query.selectors.push_back(std::move(selector));
      } else {
        ++pos_;  // operators, parentheses, commas
      }
    }
    return query;
  }

 private:
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }

  void SkipSpace() {
    while (pos_ < s_.size() && absl::ascii_isspace(s_[pos_])) ++pos_;
  }

  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(what, " at offset ", pos_, " of: ", s_));
  }

  std::string Identifier() {
    const size_t start = pos_;
    while (pos_ < s_.size() && IsIdentChar(s_[pos_])) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }

  // Numbers and durations: 0.99, 1e-3, 5m, 1h30m.
  void Number() {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if ((c == 'e' || c == 'E') && pos_ + 1 < s_.size() &&
          (s_[pos_ + 1] == '+' || s_[pos_ + 1] == '-')) {
        pos_ += 2;
      } else if (absl::ascii_isalnum(c) || c == '.') {
        ++pos_;
      } else {
        break;
      }
    }
  }

  absl::StatusOr<std::string> String() {
    const char quote = s_[pos_++];
    std::string out;
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == quote) return out;
      if (c == '\\' && quote != '`' && pos_ < s_.size()) {
        const char e = s_[pos_++];
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case '\\':
          case '"':
          case '\'':
            out += e;
            break;
          default:
            out += '\\';
            out += e;
        }
        continue;
      }
      out += c;
    }
    return Error("unterminated string");
  }

  // Items separated by commas up to `close` (a trailing comma allowed); pos_ is at the
  // opening bracket. `item` parses one item and appends it.
  template <typename T, typename Item>
  absl::StatusOr<std::vector<T>> List(char close, absl::string_view what, Item item) {
    ++pos_;  // ( or {
    std::vector<T> items;
    while (true) {
      SkipSpace();
      if (Peek() == close) {
        ++pos_;
        return items;
      }
      if (!IsIdentStart(Peek())) return Error(absl::StrCat("expected a label name in ", what));
      if (absl::Status status = item(items); !status.ok()) return status;
      SkipSpace();
      if (Peek() == ',')
        ++pos_;
      else if (Peek() != close)
        return Error(absl::StrCat("expected , or ", std::string(1, close), " in ", what));
    }
  }

  absl::StatusOr<std::vector<std::string>> LabelList() {
    return List<std::string>(')', "a label list", [this](std::vector<std::string>& labels) {
      labels.push_back(Identifier());
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<Matcher>> Matchers() {
    return List<Matcher>('}', "a selector", [this](std::vector<Matcher>& matchers) {
      Matcher m;
      m.label = Identifier();
      SkipSpace();
      for (const char* op : {"=~", "!=", "!~", "="}) {
        if (s_.substr(pos_, std::strlen(op)) == op) {
          m.op = op;
          pos_ += m.op.size();
          break;
        }
      }
      if (m.op.empty()) return Error("expected =, !=, =~ or !~");
      SkipSpace();
      if (Peek() != '"' && Peek() != '\'' && Peek() != '`')
        return Error("expected a quoted label value");
      auto value = String();
      if (!value.ok()) return value.status();
      m.value = *std::move(value);
      if (absl::StrContains(m.value, '$')) {
        return Error("template variable in a label matcher");
      }
      matchers.push_back(std::move(m));
      return absl::OkStatus();
    });
  }

  absl::string_view s_;
  size_t pos_ = 0;
};

// Label values in exposition format: \\, \" and \n are escaped.
absl::StatusOr<std::map<std::string, std::string>> ExpositionLabels(absl::string_view body) {
  std::map<std::string, std::string> labels;
  size_t i = 0;
  while (i < body.size()) {
    while (i < body.size() && (body[i] == ',' || body[i] == ' ')) ++i;
    if (i >= body.size()) break;
    const size_t eq = body.find('=', i);
    if (eq == absl::string_view::npos || eq + 1 >= body.size() || body[eq + 1] != '"') {
      return absl::InvalidArgumentError(absl::StrCat("bad labels: ", body));
    }
    std::string name(absl::StripAsciiWhitespace(body.substr(i, eq - i)));
    std::string value;
    size_t j = eq + 2;
    for (; j < body.size() && body[j] != '"'; ++j) {
      if (body[j] == '\\' && j + 1 < body.size()) {
        ++j;
        value += body[j] == 'n' ? '\n' : body[j];
      } else {
        value += body[j];
      }
    }
    if (j >= body.size()) return absl::InvalidArgumentError(absl::StrCat("bad labels: ", body));
    labels[name] = value;
    i = j + 1;
  }
  return labels;
}

bool Matches(const Matcher& m, const Sample& sample) {
  auto it = sample.labels.find(m.label);
  const std::string value = it == sample.labels.end() ? "" : it->second;
  if (m.op == "=") return value == m.value;
  if (m.op == "!=") return value != m.value;
  bool match = false;
  try {
    match = std::regex_match(value, std::regex(m.value, std::regex::ECMAScript));
  } catch (const std::regex_error&) {
    return false;
  }
  return m.op == "=~" ? match : !match;
}

std::string Describe(const Selector& s) {
  std::vector<std::string> parts;
  for (const Matcher& m : s.matchers)
    parts.push_back(absl::StrCat(m.label, m.op, "\"", m.value, "\""));
  return parts.empty() ? s.metric : absl::StrCat(s.metric, "{", absl::StrJoin(parts, ", "), "}");
}

std::string Unquote(absl::string_view v) {
  v = absl::StripAsciiWhitespace(v);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    return std::string(v.substr(1, v.size() - 2));
  }
  return std::string(v);
}

size_t Indent(absl::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[n] == ' ') ++n;
  return n;
}

}  // namespace

absl::StatusOr<Query> ParseQuery(absl::string_view expr) { return Parser(expr).Run(); }

absl::Status AddTarget(absl::string_view text,
                       const std::map<std::string, std::string>& target_labels, Scrape& scrape) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (words.size() >= 4 && words[1] == "TYPE")
        scrape.types[std::string(words[2])] = std::string(words[3]);
      continue;
    }
    Sample sample;
    const size_t brace = line.find('{');
    const size_t space = line.find(' ');
    if (brace != absl::string_view::npos && (space == absl::string_view::npos || brace < space)) {
      const size_t close = line.rfind('}');
      if (close == absl::string_view::npos || close < brace) {
        return absl::InvalidArgumentError(absl::StrCat("bad sample: ", line));
      }
      sample.name = std::string(line.substr(0, brace));
      auto labels = ExpositionLabels(line.substr(brace + 1, close - brace - 1));
      if (!labels.ok()) return labels.status();
      sample.labels = *std::move(labels);
    } else {
      if (space == absl::string_view::npos)
        return absl::InvalidArgumentError(absl::StrCat("bad sample: ", line));
      sample.name = std::string(line.substr(0, space));
    }
    for (const auto& [k, v] : target_labels) {
      // Prometheus (honor_labels: false) keeps a clashing exposed label as exported_<name>.
      if (auto it = sample.labels.find(k); it != sample.labels.end()) {
        sample.labels[absl::StrCat("exported_", k)] = it->second;
      }
      sample.labels[k] = v;
    }
    scrape.samples.push_back(std::move(sample));
  }
  scrape.samples.push_back(Sample{"up", target_labels});
  scrape.types["up"] = "gauge";
  return absl::OkStatus();
}

std::vector<std::string> Check(const Query& query, const Scrape& scrape,
                               const std::set<std::string>& extra_labels) {
  std::vector<std::string> problems;
  if (query.selectors.empty()) problems.push_back("no metric selector in the query");
  std::set<std::string> available;  // label names on the samples of the query's metrics
  for (const Selector& selector : query.selectors) {
    std::vector<const Sample*> samples;
    for (const Sample& s : scrape.samples) {
      if (s.name == selector.metric) samples.push_back(&s);
    }
    if (samples.empty()) {
      problems.push_back(absl::StrCat("metric ", selector.metric, " is not exposed by any target"));
      continue;
    }
    for (const Sample* s : samples) {
      for (const auto& [k, v] : s->labels) available.insert(k);
    }
    // name_bucket only exists for histograms; name_sum / name_count for histograms and summaries.
    for (absl::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (!absl::EndsWith(selector.metric, suffix) || scrape.types.contains(selector.metric))
        continue;
      const std::string family(absl::StripSuffix(selector.metric, suffix));
      auto type = scrape.types.find(family);
      const std::string kind = type == scrape.types.end() ? "untyped" : type->second;
      const bool ok =
          suffix == "_bucket" ? kind == "histogram" : (kind == "histogram" || kind == "summary");
      if (!ok)
        problems.push_back(
            absl::StrCat(selector.metric, ": ", family, " is a ", kind, ", not a histogram"));
    }
    std::vector<const Matcher*> positive;
    for (const Matcher& m : selector.matchers) {
      if (m.op == "=" || m.op == "=~") positive.push_back(&m);
      if (m.op == "=" && m.value.empty()) continue;  // matches series without the label
      bool seen = false;
      for (const Sample* s : samples) seen = seen || s->labels.contains(m.label);
      if (!seen) {
        problems.push_back(
            absl::StrCat("label ", m.label, " is not on any ", selector.metric, " sample"));
      }
    }
    bool satisfied = positive.empty();
    for (const Sample* s : samples) {
      if (satisfied) break;
      bool all = true;
      for (const Matcher* m : positive) all = all && Matches(*m, *s);
      satisfied = all;
    }
    if (!satisfied) {
      std::vector<std::string> seen;
      for (const Matcher* m : positive) {
        std::set<std::string> values;
        for (const Sample* s : samples) {
          if (auto it = s->labels.find(m->label); it != s->labels.end()) values.insert(it->second);
        }
        seen.push_back(absl::StrCat(m->label, " in {", absl::StrJoin(values, ", "), "}"));
      }
      problems.push_back(absl::StrCat("no sample matches ", Describe(selector),
                                      " (seen: ", absl::StrJoin(seen, "; "), ")"));
    }
  }
  if (!query.selectors.empty() && problems.empty()) {
    std::set<std::string> wanted = query.labels;
    wanted.insert(extra_labels.begin(), extra_labels.end());
    for (const std::string& label : wanted) {
      if (!available.contains(label)) {
        problems.push_back(absl::StrCat("label ", label,
                                        " (grouping or legend) is on none of the query's metrics"));
      }
    }
  }
  return problems;
}

std::set<std::string> LegendLabels(absl::string_view legend_format) {
  std::set<std::string> labels;
  size_t pos = 0;
  while ((pos = legend_format.find("{{", pos)) != absl::string_view::npos) {
    const size_t end = legend_format.find("}}", pos + 2);
    if (end == absl::string_view::npos) break;
    labels.insert(
        std::string(absl::StripAsciiWhitespace(legend_format.substr(pos + 2, end - pos - 2))));
    pos = end + 2;
  }
  return labels;
}

absl::StatusOr<std::vector<SourcedQuery>> YamlValues(absl::string_view yaml, absl::string_view key,
                                                     absl::string_view file) {
  std::vector<absl::string_view> lines = absl::StrSplit(yaml, '\n');
  std::vector<SourcedQuery> out;
  std::string context;
  const std::string prefix = absl::StrCat(key, ":");
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::string_view line = absl::StripTrailingAsciiWhitespace(lines[i]);
    absl::string_view body = absl::StripLeadingAsciiWhitespace(line);
    if (absl::ConsumePrefix(&body, "- ")) body = absl::StripLeadingAsciiWhitespace(body);
    for (absl::string_view name_key : {"alert:", "record:", "name:"}) {
      absl::string_view rest = body;
      if (absl::ConsumePrefix(&rest, name_key) && !rest.empty() && rest[0] == ' ')
        context = Unquote(rest);
    }
    absl::string_view rest = body;
    if (!absl::ConsumePrefix(&rest, prefix) || (!rest.empty() && rest[0] != ' ')) continue;
    const size_t key_indent = Indent(line);
    const std::string where =
        absl::StrCat(file, ": ", context.empty() ? absl::StrCat("line ", i + 1) : context);
    rest = absl::StripAsciiWhitespace(rest);
    std::string value;
    if (!rest.empty() && (rest[0] == '|' || rest[0] == '>')) {
      // Block scalar: the following lines indented deeper than the key (or blank).
      size_t block_indent = 0;
      int blank = 0;  // blank lines count only when more of the block follows
      for (size_t j = i + 1; j < lines.size(); ++j) {
        absl::string_view l = absl::StripTrailingAsciiWhitespace(lines[j]);
        if (l.empty()) {
          ++blank;
          continue;
        }
        if (Indent(l) <= key_indent) break;
        if (block_indent == 0) block_indent = Indent(l);
        value.append(blank, '\n');
        blank = 0;
        absl::StrAppend(&value, l.substr(std::min(block_indent, Indent(l))), "\n");
        i = j;
      }
    } else if (!rest.empty() && (rest[0] == '\'' || rest[0] == '"')) {
      if (rest.size() < 2 || rest.back() != rest[0]) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": a quoted ", key, " must fit on one line"));
      }
      value = std::string(rest.substr(1, rest.size() - 2));
      if (rest[0] == '\'')
        value = absl::StrReplaceAll(value, {{"''", "'"}});
      else
        value = absl::StrReplaceAll(value, {{"\\\"", "\""}, {"\\\\", "\\"}});
    } else {
      if (const size_t hash = rest.find(" #"); hash != absl::string_view::npos)
        rest = rest.substr(0, hash);
      value = std::string(absl::StripAsciiWhitespace(rest));
    }
    if (absl::StripAsciiWhitespace(value).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": empty or multi-line plain ", key,
                                                     " (write it as a block scalar: ", key,
                                                     ": |)"));
    }
    out.push_back(SourcedQuery{where, std::move(value), ""});
  }
  return out;
}

absl::StatusOr<std::vector<SourcedQuery>> DashboardQueries(absl::string_view json,
                                                           absl::string_view file) {
  nlohmann::json dashboard = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (dashboard.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(file, ": not JSON"));
  std::vector<SourcedQuery> out;
  std::vector<std::string> problems;
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& panels) {
    if (!panels.is_array()) return;
    for (const auto& panel : panels) {
      const std::string title = panel.value("title", "(untitled)");
      if (panel.value("type", "") != "row") {
        int exprs = 0;
        if (panel.contains("targets") && panel["targets"].is_array()) {
          for (const auto& target : panel["targets"]) {
            if (!target.contains("expr")) continue;
            ++exprs;
            out.push_back(
                SourcedQuery{absl::StrCat(file, ": ", title, " [", target.value("refId", "?"), "]"),
                             target["expr"].get<std::string>(), target.value("legendFormat", "")});
          }
        }
        if (exprs == 0) problems.push_back(absl::StrCat("panel \"", title, "\" has no query"));
      }
      if (panel.contains("panels")) walk(panel["panels"]);
    }
  };
  walk(dashboard["panels"]);
  if (!problems.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": ", absl::StrJoin(problems, "; ")));
  }
  return out;
}

}  // namespace octo::deploy_test
