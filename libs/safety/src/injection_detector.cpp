// Prompt-injection detector. One Hyperscan pass over the normalised text collects the end of
// every rule hit. Hyperscan's start-of-match tracking rejects several rules as "too large", so
// when a text has attack hits at all, the start of each relevant hit is found afterwards by
// running that one rule, anchored at the hit's end, over a short window with RE2. Context rules
// then decide what counts, hits are
// grouped per family into nearby clusters whose evidence combines as 1 - prod(1 - w), and
// base64/hex/rot13 payloads are decoded and scanned again. Hyperscan was chosen for the same
// reason as in pii_detector.cpp: it reports match offsets in its single pass, where RE2::Set
// would need a second pass per matched rule.

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include <re2/re2.h>

#include "check.h"
#include "hs_matcher.h"
#include "injection_rules.h"
#include "octo/safety/codec.h"
#include "octo/safety/injection.h"
#include "octo/safety/normalizer.h"

namespace octo::safety {
namespace {

using detail::Family;
using detail::HsMatcher;
using detail::HsPattern;
using detail::Kind;
using detail::Rule;

constexpr int kMaxDepth = 2;
constexpr size_t kDecodeBudget = 64 * 1024;
constexpr size_t kMaxHits = 1024;
constexpr size_t kMinEncodedRun = 16;
constexpr uint32_t kClusterGap = 250;   // attack hits closer than this form one finding
constexpr uint32_t kSupportReach = 150;  // how far support hits reach to a cluster
constexpr float kReportThreshold = 0.5f;
constexpr uint32_t kStartWindow = 640;   // longest match a rule can make, in bytes

struct Hit {
  uint16_t rule;
  uint32_t from, to;
};

struct Signal {
  Family family;
  bool tool_origin;
  float weight;
  uint32_t from, to;
};

std::string_view PublicFamilyName(Family f) {
  switch (f) {
    case Family::kIgnoreInstructions: return kFamilyIgnoreInstructions;
    case Family::kSystemOverride: return kFamilySystemOverride;
    case Family::kPromptExtraction: return kFamilyPromptExtraction;
    case Family::kJailbreakPersona: return kFamilyJailbreakPersona;
    case Family::kDelimiterInjection: return kFamilyDelimiterInjection;
    case Family::kEncoded: return kFamilyEncoded;
    case Family::kObfuscated: return kFamilyObfuscated;
    case Family::kMultilingual: return kFamilyMultilingual;
    case Family::kIndirect: return kFamilyIndirect;
    case Family::kExfiltration: return kFamilyExfiltration;
    case Family::kToolAbuse: return kFamilyToolAbuse;
    case Family::kNone: break;
  }
  return {};
}

Severity SeverityFor(Family f) {
  switch (f) {
    case Family::kToolAbuse:
    case Family::kExfiltration: return Severity::kCritical;
    case Family::kPromptExtraction: return Severity::kMedium;
    default: return Severity::kHigh;
  }
}

std::vector<HsPattern> MakePatterns(const std::vector<Rule>& rules) {
  std::vector<HsPattern> out;
  out.reserve(rules.size());
  for (const Rule& r : rules) out.push_back({r.pattern.c_str(), 0});
  return out;
}

// One RE2 per rule matching the rule only where it ends at the end of the input.
std::vector<std::unique_ptr<RE2>> MakeStartFinders(const std::vector<Rule>& rules) {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  std::vector<std::unique_ptr<RE2>> out;
  out.reserve(rules.size());
  for (const Rule& r : rules) {
    auto re = std::make_unique<RE2>("(?:" + r.pattern + ")$", options);
    OCTO_SAFETY_CHECK(re->ok(), r.pattern.c_str());
    out.push_back(std::move(re));
  }
  return out;
}

bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Quoted regions of the normalised text: "...", `...`, and '...' where the single quotes are
// not apostrophes inside words.
std::vector<std::pair<uint32_t, uint32_t>> FindQuotes(std::string_view t) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  const size_t n = t.size();
  for (size_t i = 0; i < n; ++i) {
    char q = t[i];
    if (q != '"' && q != '`' && q != '\'') continue;
    if (q == '\'') {
      bool opens = (i == 0 || !IsAlnum(t[i - 1])) && i + 1 < n && t[i + 1] != ' ';
      if (!opens) continue;
    }
    size_t j = i + 1;
    for (; j < n; ++j) {
      if (t[j] != q) continue;
      if (q != '\'') break;
      if (t[j - 1] != ' ' && (j + 1 == n || !IsAlnum(t[j + 1]))) break;
    }
    if (j >= n) continue;
    out.emplace_back(static_cast<uint32_t>(i), static_cast<uint32_t>(j + 1));
    i = j;
  }
  return out;
}

bool Inside(const std::vector<std::pair<uint32_t, uint32_t>>& regions, uint32_t from,
            uint32_t to) {
  for (const auto& [s, e] : regions) {
    if (from >= s && to <= e) return true;
  }
  return false;
}

bool IsSentenceEnd(char c) { return c == '.' || c == '!' || c == '?' || c == '\n'; }

// Calls fn(start, end, decoded) for runs of base64/hex characters that decode to text.
template <typename Fn>
void ForEachEncodedRun(std::string_view t, Fn&& fn) {
  static constexpr auto kClass = [] {
    std::array<uint8_t, 256> c{};  // 1 base64, 2 hex + base64
    for (int i = 'A'; i <= 'Z'; ++i) c[i] = 1;
    for (int i = 'a'; i <= 'z'; ++i) c[i] = 1;
    for (int i = '0'; i <= '9'; ++i) c[i] = 2;
    for (int i = 'a'; i <= 'f'; ++i) c[i] = 2;
    for (int i = 'A'; i <= 'F'; ++i) c[i] = 2;
    c['+'] = c['/'] = c['-'] = c['_'] = 1;
    return c;
  }();
  const size_t n = t.size();
  size_t i = 0;
  while (i < n) {
    if (kClass[static_cast<unsigned char>(t[i])] == 0) {
      ++i;
      continue;
    }
    size_t s = i;
    bool all_hex = true;
    while (i < n && kClass[static_cast<unsigned char>(t[i])] != 0) {
      all_hex &= kClass[static_cast<unsigned char>(t[i])] == 2;
      ++i;
    }
    size_t e = i;
    while (i < n && t[i] == '=' && i - e < 2) ++i;
    if (e - s < kMinEncodedRun) continue;
    std::optional<std::string> decoded;
    if (all_hex && (e - s) % 2 == 0) decoded = DecodeHex(t.substr(s, e - s));
    if (!decoded || !LooksLikeText(*decoded)) decoded = DecodeBase64(t.substr(s, i - s));
    if (decoded && LooksLikeText(*decoded)) {
      fn(static_cast<uint32_t>(s), static_cast<uint32_t>(i), std::move(*decoded));
    }
  }
}

}  // namespace

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "unknown";
}

std::string_view InjectionResult::top_family() const {
  const InjectionFinding* best = nullptr;
  for (const auto& f : findings) {
    if (best == nullptr || f.confidence > best->confidence) best = &f;
  }
  return best != nullptr ? best->family : std::string_view();
}

struct InjectionDetector::Impl {
  Impl()
      : rules(detail::InjectionRules()),
        matcher(MakePatterns(rules)),
        start_finders(MakeStartFinders(rules)) {}

  InjectionResult ScanText(std::string_view text, int depth, size_t& budget) const;
  // Start of the leftmost match of `rule` that ends at `to`.
  uint32_t StartOf(std::string_view nt, uint16_t rule, uint32_t to) const {
    const uint32_t lo = to > kStartWindow ? to - kStartWindow : 0;
    re2::StringPiece window(nt.data() + lo, to - lo), match;
    if (start_finders[rule]->Match(window, 0, window.size(), RE2::UNANCHORED, &match, 1)) {
      return lo + static_cast<uint32_t>(match.data() - window.data());
    }
    return lo;
  }

  const std::vector<Rule>& rules;
  HsMatcher matcher;
  std::vector<std::unique_ptr<RE2>> start_finders;
  Normalizer normalizer;
};

InjectionResult InjectionDetector::Impl::ScanText(std::string_view text, int depth,
                                                  size_t& budget) const {
  InjectionResult result;
  NormalizedText norm;
  normalizer.Normalize(text, norm);
  const std::string_view nt = norm.text;

  std::vector<Hit> hits;
  matcher.Scan(nt, [&](unsigned id, uint32_t /*from*/, uint32_t to) {
    // Without start tracking a match is reported at each of its possible ends: fold ends of
    // the same rule that follow closely into one hit.
    for (size_t k = hits.size(); k-- > 0 && k + 8 >= hits.size();) {
      if (hits[k].rule == id && to <= hits[k].to + 64) {
        hits[k].to = std::max(hits[k].to, to);
        return false;
      }
    }
    hits.push_back({static_cast<uint16_t>(id), to, to});
    return hits.size() >= kMaxHits;
  });

  bool any_attack = false, question = false, imperative = false, rot13 = false;
  float follow = 0;
  for (const Hit& h : hits) {
    const Rule& r = rules[h.rule];
    switch (r.kind) {
      case Kind::kAttack:
      case Kind::kDangerous:
      case Kind::kAiAddress: any_attack = true; break;
      case Kind::kQuestion: question = true; break;
      case Kind::kImperative: imperative = true; break;
      case Kind::kRot13: rot13 = true; break;
      case Kind::kDecodeFollow: follow = std::max(follow, r.weight); break;
      default: break;
    }
  }

  std::vector<Signal> primaries, supports;
  if (any_attack) {
    for (Hit& h : hits) {
      switch (rules[h.rule].kind) {
        case Kind::kAttack:
        case Kind::kDangerous:
        case Kind::kAiAddress:
        case Kind::kSupport:
        case Kind::kDiscussion: h.from = StartOf(nt, h.rule, h.to); break;
        default: break;
      }
    }
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
    auto suppressed = [&](const Hit& h) {
      const Rule& r = rules[h.rule];
      const bool discussing = !discussion.empty();
      if (discussing && (Inside(quotes, h.from, h.to) || discussed_in_question(h))) return true;
      if (r.kind == Kind::kDangerous && !imperative && (question || discussing)) return true;
      if (r.family == Family::kDelimiterInjection && r.weight < 0.5f && (question || discussing)) {
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
        supports.push_back({r.kind == Kind::kImperative ? Family::kToolAbuse : Family::kNone,
                            false, r.weight, h.from, h.to});
        continue;
      }
      Family f = r.family;
      if (ai_address && f != Family::kMultilingual) f = Family::kIndirect;
      if (norm.HasObfuscation(h.from, h.to)) f = Family::kObfuscated;
      primaries.push_back({f, r.family == Family::kToolAbuse, r.weight, h.from, h.to});
    }
  }

  std::sort(primaries.begin(), primaries.end(), [](const Signal& a, const Signal& b) {
    return a.family != b.family ? a.family < b.family : a.from < b.from;
  });
  for (size_t i = 0; i < primaries.size();) {
    const Family fam = primaries[i].family;
    uint32_t cs = primaries[i].from, ce = primaries[i].to;
    float miss = 1;  // product of (1 - w)
    bool tool_origin = false;
    size_t j = i;
    for (; j < primaries.size() && primaries[j].family == fam &&
           primaries[j].from <= ce + kClusterGap;
         ++j) {
      ce = std::max(ce, primaries[j].to);
      miss *= 1 - primaries[j].weight;
      tool_origin |= primaries[j].tool_origin;
    }
    for (const Signal& s : supports) {
      if (s.family == Family::kToolAbuse && !tool_origin) continue;
      if (s.to + kSupportReach >= cs && s.from <= ce + kSupportReach) miss *= 1 - s.weight;
    }
    const float score = std::min(0.99f, 1 - miss);
    if (score >= kReportThreshold) {
      result.findings.push_back({PublicFamilyName(fam), SeverityFor(fam),
                                 norm.OriginalStart(cs), norm.OriginalEnd(ce), score});
    }
    i = j;
  }

  if (depth < kMaxDepth) {
    auto add_encoded = [&](uint32_t s, uint32_t e, float inner) {
      const float score = std::min(0.99f, 1 - (1 - inner) * (1 - follow));
      if (inner > 0 && score >= kReportThreshold) {
        result.findings.push_back(
            {kFamilyEncoded, SeverityFor(Family::kEncoded), s, e, score});
      }
    };
    ForEachEncodedRun(text, [&](uint32_t s, uint32_t e, std::string decoded) {
      if (decoded.size() > budget) return;
      budget -= decoded.size();
      InjectionResult inner = ScanText(decoded, depth + 1, budget);
      add_encoded(s, e, inner.score);
    });
    if (rot13 && text.size() <= budget) {
      budget -= text.size();
      const std::string decoded = Rot13(text);
      InjectionResult inner = ScanText(decoded, depth + 1, budget);
      for (const InjectionFinding& f : inner.findings) add_encoded(f.start, f.end, f.confidence);
    }
  }

  std::sort(result.findings.begin(), result.findings.end(),
            [](const InjectionFinding& a, const InjectionFinding& b) {
              return a.start != b.start ? a.start < b.start : a.end > b.end;
            });
  for (const auto& f : result.findings) result.score = std::max(result.score, f.confidence);
  return result;
}

InjectionDetector::InjectionDetector() : impl_(std::make_unique<Impl>()) {}
InjectionDetector::~InjectionDetector() = default;

InjectionResult InjectionDetector::Scan(std::string_view text) const {
  OCTO_SAFETY_CHECK(text.size() < (uint64_t{1} << 32) - 1, "text too large for 32-bit offsets");
  size_t budget = kDecodeBudget;
  return impl_->ScanText(text, 0, budget);
}

}  // namespace octo::safety
