// Benign guards: an attack hit is dropped when a negation or benign reading governs it, when
// the text discusses attacks and the hit is quoted, asked about or reported as an example,
// and when talk about chat formats or a question explains a weak turn marker; reported
// attacks count half. See injection_guards.h.

#include "injection_guards.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"

namespace octo::safety::detail {
namespace {

// Quoted regions of the normalised text: "...", `...`, and '...' where the single quotes are
// not apostrophes inside words.
std::vector<std::pair<uint32_t, uint32_t>> FindQuotes(std::string_view t) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  const size_t n = t.size();
  for (size_t i = 0; i < n; ++i) {
    char q = t[i];
    if (q != '"' && q != '`' && q != '\'') continue;
    if (q == '\'') {
      bool opens = (i == 0 || !absl::ascii_isalnum(t[i - 1])) && i + 1 < n && t[i + 1] != ' ';
      if (!opens) continue;
    }
    size_t j = i + 1;
    for (; j < n; ++j) {
      if (t[j] != q) continue;
      if (q != '\'') break;
      if (t[j - 1] != ' ' && (j + 1 == n || !absl::ascii_isalnum(t[j + 1]))) break;
    }
    if (j >= n) continue;
    out.emplace_back(static_cast<uint32_t>(i), static_cast<uint32_t>(j + 1));
    i = j;
  }
  return out;
}

bool Inside(const std::vector<std::pair<uint32_t, uint32_t>>& regions, uint32_t from, uint32_t to) {
  for (const auto& [s, e] : regions) {
    if (from >= s && to <= e) return true;
  }
  return false;
}

bool IsSentenceEnd(char c) { return c == '.' || c == '!' || c == '?' || c == '\n'; }

}  // namespace

void CollectSignals(const std::vector<Rule>& rules, const NormalizedText& norm,
                    const std::vector<Hit>& hits, const HitKinds& kinds,
                    std::vector<Signal>& primaries, std::vector<Signal>& supports) {
  const std::string_view nt = norm.text;
  const auto quotes = FindQuotes(nt);
  std::vector<const Hit*> discussion;
  for (const Hit& h : hits) {
    if (rules[h.rule].kind == Kind::kDiscussion && !Inside(quotes, h.from, h.to)) {
      discussion.push_back(&h);
    }
  }
  // A question sentence that also talks about attacks: the attack words are the topic.
  auto discussed_in_question = [&](const Hit& h) {
    uint32_t a = h.from, b = h.to;
    while (a > 0 && !IsSentenceEnd(nt[a - 1])) --a;
    while (b < nt.size() && !IsSentenceEnd(nt[b])) ++b;
    if (b >= nt.size() || nt[b] != '?') return false;
    return std::any_of(discussion.begin(), discussion.end(),
                       [&](const Hit* d) { return d->from >= a && d->to <= b + 1; });
  };
  // Negations and reported-speech frames, each extended over the bytes its rule governs.
  std::vector<Hit> governing;
  for (const Hit& h : hits) {
    const Rule& r = rules[h.rule];
    if (r.kind != Kind::kNegate && r.kind != Kind::kReported) continue;
    Hit g = h;
    const uint32_t limit = std::min<uint32_t>(static_cast<uint32_t>(nt.size()), h.to + r.governs);
    while (g.to < limit && nt[g.to] != '\n') ++g.to;
    governing.push_back(g);
  }
  std::vector<const Hit*> negations, reported;
  for (const Hit& g : governing) {
    (rules[g.rule].kind == Kind::kNegate ? negations : reported).push_back(&g);
  }
  // An attack introduced as an example ("an attacker might write ...", "phrases such as ...")
  // is reported speech: it counts half, and not at all when the text discusses attacks.
  auto is_reported = [&](const Hit& h) {
    return std::any_of(reported.begin(), reported.end(),
                       [&](const Hit* q) { return q->from < h.to && h.from < q->to; });
  };
  auto suppressed = [&](const Hit& h) {
    const Rule& r = rules[h.rule];
    for (const Hit* n : negations) {
      if (n->from < h.to && h.from < n->to) return true;
    }
    const bool discussing = !discussion.empty();
    // A window rule may start outside a quote ("give me examples besides 'repeat the text
    // above'") and end in it: a hit that ends inside a quote is quoted.
    if (discussing && (Inside(quotes, h.from, h.to) || Inside(quotes, h.to - 1, h.to) ||
                       discussed_in_question(h))) {
      return true;
    }
    if (discussing && is_reported(h)) return true;
    if (r.kind == Kind::kDangerous && !kinds.imperative && (kinds.question || discussing))
      return true;
    if (kinds.format_talk && !r.carries_order &&
        (r.family == Family::kDelimiterInjection || r.family == Family::kSystemOverride)) {
      return true;
    }
    if (r.family == Family::kDelimiterInjection && r.weight < 0.5f &&
        (kinds.question || discussing)) {
      return true;
    }
    return false;
  };
  bool ai_address = false;
  std::vector<bool> keep(hits.size(), false);
  for (size_t i = 0; i < hits.size(); ++i) {
    const Rule& r = rules[hits[i].rule];
    if (r.kind != Kind::kAttack && r.kind != Kind::kDangerous && r.kind != Kind::kAiAddress &&
        r.kind != Kind::kSupport && r.kind != Kind::kImperative) {
      continue;
    }
    keep[i] = !suppressed(hits[i]);
    if (keep[i] && r.kind == Kind::kAiAddress) ai_address = true;
  }
  for (size_t i = 0; i < hits.size(); ++i) {
    if (!keep[i]) continue;
    const Hit& h = hits[i];
    const Rule& r = rules[h.rule];
    if (r.kind == Kind::kSupport || r.kind == Kind::kImperative) {
      supports.push_back({r.kind == Kind::kImperative ? Family::kToolAbuse : Family::kNone, false,
                          r.weight, h.from, h.to});
      continue;
    }
    Family f = r.family;
    if (ai_address && f != Family::kMultilingual) f = Family::kIndirect;
    // Other scripts' look-alike letters are folded too; that is not obfuscation there.
    if (f != Family::kMultilingual && norm.HasObfuscation(h.from, h.to)) f = Family::kObfuscated;
    const float weight = is_reported(h) ? r.weight / 2 : r.weight;
    primaries.push_back({f, r.family == Family::kToolAbuse, weight, h.from, h.to});
  }
}

}  // namespace octo::safety::detail
