// Prompt-injection detector.
//
// Matching runs in two stages over the normalised text. Stage one is a single Hyperscan pass
// over a few hundred plain literals, the "keys" of the rules (injection_rules.h): every rule
// names literals at least one of which occurs in any of its matches. Stage two runs, with
// RE2, only the rules whose keys occurred, and only on windows around those occurrences.
// Rules that are context (questions, talk about attacks, imperatives, support) have no keys
// and run over the whole text, only when an attack rule matched; one RE2::Set pass first
// names the few of them that match at all (each of the ~30 taking its own pass cost ~45 ns
// per byte of text with an attack in it, the set ~2). Measured on this machine: compiling
// the ~130 full rules into one Hyperscan database took 2.5 s and scanned typical text at
// ~3.8 us/KB, because many rules begin with common words; the literal pass runs at a
// fraction of that and most text never reaches stage two. Hyperscan (not RE2::Set) for stage
// one for the reason given in pii_detector.cpp: it reports where each literal occurred in
// its one pass.
//
// Hits then go through context rules and the benign guards (injection_guards.cpp), are
// grouped per family into nearby clusters whose evidence combines as 1 - prod(1 - w), and
// base64/hex/rot13 payloads are decoded and scanned again.

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "hs_matcher.h"
#include "injection_guards.h"
#include "injection_rules.h"
#include "octo/common/check.h"
#include "octo/common/enum_names.h"
#include "octo/safety/codec.h"
#include "octo/safety/injection.h"
#include "octo/safety/normalizer.h"

namespace octo::safety {
namespace {

using detail::Family;
using detail::Hit;
using detail::HitKinds;
using detail::HsMatcher;
using detail::HsPattern;
using detail::Kind;
using detail::Rule;
using detail::Signal;

constexpr int kMaxDepth = 2;
constexpr size_t kDecodeBudget = 64 * 1024;
constexpr size_t kMaxHits = 1024;
constexpr size_t kKeepBufferBytes = 1 << 20;
constexpr size_t kMinEncodedRun = 20;
constexpr size_t kMinEscapes = 3;  // %XX escapes or &#...; references before a text is decoded
constexpr uint32_t kClusterGap = 250;    // attack hits closer than this form one finding
constexpr uint32_t kSupportReach = 150;  // how far support hits reach to a cluster
constexpr float kReportThreshold = 0.5f;
constexpr uint32_t kBaseWindow = 96;  // stage two looks this far either side of a key, plus
                                      // the bounded repeats of the rule (MaxReach)

std::string_view PublicFamilyName(Family f) {
  switch (f) {
    case Family::kIgnoreInstructions:
      return kFamilyIgnoreInstructions;
    case Family::kSystemOverride:
      return kFamilySystemOverride;
    case Family::kPromptExtraction:
      return kFamilyPromptExtraction;
    case Family::kJailbreakPersona:
      return kFamilyJailbreakPersona;
    case Family::kDelimiterInjection:
      return kFamilyDelimiterInjection;
    case Family::kEncoded:
      return kFamilyEncoded;
    case Family::kObfuscated:
      return kFamilyObfuscated;
    case Family::kMultilingual:
      return kFamilyMultilingual;
    case Family::kIndirect:
      return kFamilyIndirect;
    case Family::kExfiltration:
      return kFamilyExfiltration;
    case Family::kToolAbuse:
      return kFamilyToolAbuse;
    case Family::kNone:
      break;
  }
  return {};
}

Severity SeverityFor(Family f) {
  switch (f) {
    case Family::kToolAbuse:
    case Family::kExfiltration:
      return Severity::kCritical;
    case Family::kPromptExtraction:
      return Severity::kMedium;
    default:
      return Severity::kHigh;
  }
}

// Splits "a||b||c".
std::vector<std::string> SplitKeys(const std::string& keys) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= keys.size()) {
    size_t bar = keys.find("||", start);
    if (bar == std::string::npos) bar = keys.size();
    if (bar > start) out.push_back(keys.substr(start, bar - start));
    start = bar + 2;
  }
  return out;
}

// How far from one of its keys a match of `pattern` can extend: a base allowance for the
// literal words plus the upper bounds of its repeats. A counted repeat of a group ("(?:\w+\s+)
// {0,4}") counts 16 bytes per repetition, of a character class 1; an unbounded repeat of a
// class ("[a-z]+", "\S+") 64, of anything else ("\s+") 2.
uint32_t MaxReach(const std::string& pattern) {
  uint32_t reach = kBaseWindow;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    const char prev = i > 0 ? pattern[i - 1] : '\0';
    const bool escaped = i > 1 && pattern[i - 2] == '\\';
    if (c == '{' && prev != '\\') {
      const size_t close = pattern.find('}', i);
      const size_t comma = pattern.find(',', i);
      if (close == std::string::npos) break;
      if (comma != std::string::npos && comma < close) {
        const std::string upper = pattern.substr(comma + 1, close - comma - 1);
        const uint32_t unit = prev == ')' ? 16 : 1;
        reach += upper.empty() ? 256u : static_cast<uint32_t>(std::stoul(upper)) * unit;
      }
      i = close;
    } else if ((c == '*' || c == '+') && prev != '\\') {
      reach += prev == ']' || (escaped && (prev == 'S' || prev == 'w')) ? 64 : 2;
    }
  }
  return std::min<uint32_t>(reach, 1024);
}

// A literal as a Hyperscan expression: everything but letters, digits and spaces escaped.
std::string EscapeLiteral(const std::string& lit) {
  std::string out;
  for (char c : lit) {
    if (absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == ' ') {
      out.push_back(c);
    } else {
      absl::StrAppend(&out, "\\x", absl::BytesToHexString(absl::string_view(&c, 1)));
    }
  }
  return out;
}

constexpr common::EnumName<Severity> kSeverityNames[] = {{Severity::kLow, "low"},
                                                         {Severity::kMedium, "medium"},
                                                         {Severity::kHigh, "high"},
                                                         {Severity::kCritical, "critical"}};

}  // namespace

std::string_view SeverityName(Severity severity) {
  return common::NameOf(kSeverityNames, severity);
}

std::string_view InjectionResult::top_family() const {
  const InjectionFinding* best = nullptr;
  for (const auto& f : findings) {
    if (best == nullptr || f.confidence > best->confidence) best = &f;
  }
  return best != nullptr ? best->family : std::string_view();
}

struct InjectionDetector::Impl {
  Impl() : rules(detail::InjectionRules()) {
    RE2::Options options;
    options.set_encoding(RE2::Options::EncodingLatin1);
    options.set_log_errors(false);
    std::vector<std::string> literals;
    auto key_id = [&](const std::string& key) {
      auto it = std::find(literals.begin(), literals.end(), key);
      if (it != literals.end()) return static_cast<uint16_t>(it - literals.begin());
      literals.push_back(key);
      key_rules.emplace_back();
      return static_cast<uint16_t>(literals.size() - 1);
    };
    other_groups.resize(rules.size());
    for (size_t i = 0; i < rules.size(); ++i) {
      auto re = std::make_unique<RE2>(rules[i].pattern, options);
      OCTO_CHECK(re->ok(), rules[i].pattern.c_str());
      regexes.push_back(std::move(re));
      reaches.push_back(MaxReach(rules[i].pattern));
      if (rules[i].keys == "*") {
        (rules[i].kind == Kind::kDecodeFollow ? decode_rules : context_rules)
            .rules.push_back(static_cast<uint16_t>(i));
        continue;
      }
      const std::string& keys_spec = rules[i].keys;
      size_t start = 0;
      for (int group = 0; start <= keys_spec.size(); ++group) {
        size_t amp = keys_spec.find("&&", start);
        if (amp == std::string::npos) amp = keys_spec.size();
        std::vector<uint16_t> ids;
        for (const std::string& key : SplitKeys(keys_spec.substr(start, amp - start))) {
          ids.push_back(key_id(key));
        }
        OCTO_CHECK(!ids.empty(), keys_spec.c_str());
        if (group == 0) {
          for (uint16_t id : ids) key_rules[id].push_back(static_cast<uint16_t>(i));
        } else {
          other_groups[i].push_back(std::move(ids));
        }
        start = amp + 2;
      }
    }
    context_rules.Compile(rules, options);
    decode_rules.Compile(rules, options);
    for (const std::string& lit : literals) expressions.push_back(EscapeLiteral(lit));
    std::vector<HsPattern> patterns;
    for (const std::string& e : expressions) patterns.push_back({e.c_str(), 0});
    keys = std::make_unique<HsMatcher>(patterns);
  }

  InjectionResult ScanText(std::string_view text, int depth, size_t& budget) const;
  // Stages of one scan of normalised text, in order.
  std::vector<Hit> MatchKeyedRules(std::string_view nt) const;
  HitKinds Summarise(const std::vector<Hit>& hits) const;
  void ScoreClusters(const NormalizedText& norm, std::vector<Signal>& primaries,
                     const std::vector<Signal>& supports,
                     std::vector<InjectionFinding>& findings) const;
  // Appends every match of rule `r` within [from, to) of `nt`.
  void MatchRule(std::string_view nt, uint16_t r, size_t from, size_t to,
                 std::vector<Hit>& hits) const {
    const re2::StringPiece whole(nt.data(), nt.size());
    re2::StringPiece m;
    size_t pos = from;
    while (pos <= to && hits.size() < kMaxHits &&
           regexes[r]->Match(whole, pos, to, RE2::UNANCHORED, &m, 1)) {
      const auto s = static_cast<uint32_t>(m.data() - nt.data());
      const auto e = static_cast<uint32_t>(s + m.size());
      hits.push_back({r, s, e});
      pos = e > s ? e : e + 1;
    }
  }

  // Rules without keys ("*"), which run over the whole text when they run at all. Most do
  // not match it; one RE2::Set pass over the text names those that do (the same engine and
  // patterns, so exactly the rules whose own search would find a match), and only they run
  // on their own, for their match positions, instead of every rule taking a full pass.
  struct UnkeyedRules {
    std::vector<uint16_t> rules;
    std::unique_ptr<RE2::Set> set;  // pattern k is rules[k]

    void Compile(const std::vector<Rule>& all, const RE2::Options& options) {
      set = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
      for (uint16_t r : rules) {
        std::string error;
        OCTO_CHECK(set->Add(all[r].pattern, &error) >= 0, all[r].pattern.c_str());
      }
      OCTO_CHECK(rules.empty() || set->Compile(), "RE2::Set of context rules");
    }
  };
  // Appends every match of the rules in `unkeyed` over the whole of `nt`, rule by rule in
  // table order, as running each of them over `nt` would.
  void MatchUnkeyed(std::string_view nt, const UnkeyedRules& unkeyed,
                    std::vector<Hit>& hits) const {
    if (unkeyed.rules.empty()) return;
    std::vector<int> matched;
    RE2::Set::ErrorInfo error{RE2::Set::kNoError};
    if (!unkeyed.set->Match(re2::StringPiece(nt.data(), nt.size()), &matched, &error) &&
        error.kind != RE2::Set::kNoError) {
      // The set's DFA ran out of memory (a huge text): try every rule.
      matched.resize(unkeyed.rules.size());
      for (size_t k = 0; k < matched.size(); ++k) matched[k] = static_cast<int>(k);
    }
    std::sort(matched.begin(), matched.end());
    for (int k : matched) MatchRule(nt, unkeyed.rules[static_cast<size_t>(k)], 0, nt.size(), hits);
  }

  const std::vector<Rule>& rules;
  std::vector<std::unique_ptr<RE2>> regexes;     // one per rule
  std::vector<uint32_t> reaches;                 // per rule: how far a match can extend from a key
  std::vector<std::string> expressions;          // escaped key literals
  std::vector<std::vector<uint16_t>> key_rules;  // key id -> rules whose first group has it
  // rule -> its key groups after the first; each needs one key present anywhere in the text.
  std::vector<std::vector<std::vector<uint16_t>>> other_groups;
  UnkeyedRules context_rules, decode_rules;
  std::unique_ptr<HsMatcher> keys;
  Normalizer normalizer;
};

InjectionResult InjectionDetector::Impl::ScanText(std::string_view text, int depth,
                                                  size_t& budget) const {
  InjectionResult result;
  // Per-thread buffers, one per decoding depth, reused across calls; large ones are released
  // after use so a single huge request does not pin its memory.
  thread_local std::array<NormalizedText, kMaxDepth + 1> buffers;
  NormalizedText& norm = buffers[static_cast<size_t>(depth)];
  struct Release {
    NormalizedText& n;
    ~Release() {
      if (n.text.capacity() > kKeepBufferBytes) n = NormalizedText();
    }
  } release{norm};
  normalizer.Normalize(text, norm);
  const std::string_view nt = norm.text;

  std::vector<Hit> hits = MatchKeyedRules(nt);
  bool attack_hit = false;
  for (const Hit& h : hits) {
    const Kind k = rules[h.rule].kind;
    attack_hit |= k == Kind::kAttack || k == Kind::kDangerous || k == Kind::kAiAddress;
  }
  if (attack_hit) {
    MatchUnkeyed(nt, context_rules, hits);
  }
  // Decode-and-follow requests matter only when there is something encoded.
  struct EncodedRun {
    uint32_t start, end;
    std::string decoded;
  };
  std::vector<EncodedRun> encoded;
  if (depth < kMaxDepth) {
    ForEachEncodedRun(text, kMinEncodedRun, [&](uint32_t s, uint32_t e, std::string decoded) {
      encoded.push_back({s, e, std::move(decoded)});
    });
    // URL percent-escapes and HTML character references: the text decoded as a whole, and
    // reported over the span from the first escape to the last.
    auto add_whole = [&](std::optional<std::string> decoded, char lead, char last) {
      if (!decoded || !LooksLikeText(*decoded)) return;
      const size_t s = text.find(lead);
      const size_t e = text.rfind(last);
      encoded.push_back({static_cast<uint32_t>(s),
                         static_cast<uint32_t>(e == std::string_view::npos || e < s
                                                   ? text.size()
                                                   : std::min(text.size(), e + 3)),
                         std::move(*decoded)});
    };
    add_whole(DecodePercentEscapes(text, kMinEscapes), '%', '%');
    add_whole(DecodeHtmlEntities(text, kMinEscapes), '&', ';');
  }
  if (!encoded.empty()) {
    MatchUnkeyed(nt, decode_rules, hits);
  }

  const HitKinds kinds = Summarise(hits);
  std::vector<Signal> primaries, supports;
  if (kinds.any_attack) CollectSignals(rules, norm, hits, kinds, primaries, supports);

  ScoreClusters(norm, primaries, supports, result.findings);

  if (depth < kMaxDepth) {
    auto add_encoded = [&](uint32_t s, uint32_t e, float inner) {
      const float score = std::min(0.99f, 1 - (1 - inner) * (1 - kinds.follow));
      if (inner > 0 && score >= kReportThreshold) {
        result.findings.push_back({kFamilyEncoded, SeverityFor(Family::kEncoded), s, e, score});
      }
    };
    for (const EncodedRun& run : encoded) {
      if (run.decoded.size() > budget) break;
      budget -= run.decoded.size();
      InjectionResult inner = ScanText(run.decoded, depth + 1, budget);
      add_encoded(run.start, run.end, inner.score);
    }
    if (kinds.rot13 && text.size() <= budget) {
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

// Which rules can match, and where: Hyperscan finds their keys, then each triggered rule's
// regex runs on merged windows around its keys.
std::vector<Hit> InjectionDetector::Impl::MatchKeyedRules(std::string_view nt) const {
  std::vector<std::pair<uint16_t, uint32_t>> triggered;  // (rule, key end)
  std::vector<bool> key_seen(key_rules.size(), false);
  keys->Scan(nt, [&](unsigned id, uint32_t /*from*/, uint32_t to) {
    key_seen[id] = true;
    for (uint16_t r : key_rules[id]) triggered.emplace_back(r, to);
    return triggered.size() >= 4 * kMaxHits;
  });
  std::sort(triggered.begin(), triggered.end());
  // Drop rules missing a key group.
  triggered.erase(std::remove_if(triggered.begin(), triggered.end(),
                                 [&](const std::pair<uint16_t, uint32_t>& t) {
                                   for (const auto& group : other_groups[t.first]) {
                                     if (std::none_of(group.begin(), group.end(),
                                                      [&](uint16_t id) { return key_seen[id]; })) {
                                       return true;
                                     }
                                   }
                                   return false;
                                 }),
                  triggered.end());
  // Each triggered rule on merged windows around its keys.
  std::vector<Hit> hits;
  for (size_t i = 0; i < triggered.size();) {
    const uint16_t r = triggered[i].first;
    const size_t reach = reaches[r];
    size_t ws = triggered[i].second > reach ? triggered[i].second - reach : 0;
    size_t we = std::min<size_t>(nt.size(), triggered[i].second + reach);
    for (++i; i < triggered.size() && triggered[i].first == r; ++i) {
      const size_t c = triggered[i].second;
      if (c > we + reach) {
        MatchRule(nt, r, ws, we, hits);
        ws = c - reach;
      }
      we = std::min<size_t>(nt.size(), c + reach);
    }
    MatchRule(nt, r, ws, we, hits);
  }
  return hits;
}

HitKinds InjectionDetector::Impl::Summarise(const std::vector<Hit>& hits) const {
  HitKinds kinds;
  for (const Hit& h : hits) {
    const Rule& r = rules[h.rule];
    switch (r.kind) {
      case Kind::kAttack:
      case Kind::kDangerous:
      case Kind::kAiAddress:
        kinds.any_attack = true;
        break;
      case Kind::kQuestion:
        kinds.question = true;
        break;
      case Kind::kImperative:
        kinds.imperative = true;
        break;
      case Kind::kRot13:
        kinds.rot13 = true;
        break;
      case Kind::kFormatTalk:
        kinds.format_talk = true;
        break;
      case Kind::kDecodeFollow:
        kinds.follow = std::max(kinds.follow, r.weight);
        break;
      default:
        break;
    }
  }
  return kinds;
}

// One finding per cluster of same-family signals close together, scored as the chance that
// at least one of them (or a support near it) is right.
void InjectionDetector::Impl::ScoreClusters(const NormalizedText& norm,
                                            std::vector<Signal>& primaries,
                                            const std::vector<Signal>& supports,
                                            std::vector<InjectionFinding>& findings) const {
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
      findings.push_back({PublicFamilyName(fam), SeverityFor(fam), norm.OriginalStart(cs),
                          norm.OriginalEnd(ce), score});
    }
    i = j;
  }
}

InjectionDetector::InjectionDetector() : impl_(std::make_unique<Impl>()) {}
InjectionDetector::~InjectionDetector() = default;

InjectionResult InjectionDetector::Scan(std::string_view text) const {
  OCTO_CHECK(text.size() < (uint64_t{1} << 32) - 1, "text too large for 32-bit offsets");
  size_t budget = kDecodeBudget;
  return impl_->ScanText(text, 0, budget);
}

}  // namespace octo::safety
