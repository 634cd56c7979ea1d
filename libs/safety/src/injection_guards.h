// The benign guards of the prompt-injection detector: which attack hits survive negation,
// quoting, reported speech and talk about attacks, and the family each then counts for.
// Internal to octo::safety; the detector (injection_detector.cpp) feeds it the hits of one
// scan of normalised text.
#pragma once

#include <cstdint>
#include <vector>

#include "injection_rules.h"
#include "octo/safety/normalizer.h"

namespace octo::safety::detail {

// One match of rule `rule` over bytes [from, to) of the normalised text.
struct Hit {
  uint16_t rule;
  uint32_t from, to;
};

// An attack signal (for `family`) or a supporting one, as weighed by the cluster scoring.
struct Signal {
  Family family;
  bool tool_origin;
  float weight;
  uint32_t from, to;
};

// What kinds of rule matched anywhere in one text.
struct HitKinds {
  bool any_attack = false, question = false, imperative = false, rot13 = false;
  bool format_talk = false;
  float follow = 0;  // strongest decode-and-follow request
};

// The attack signals among `hits` (matches of `rules` on `norm`) that survive negation,
// quoting and discussion, with the family each counts for, into `primaries`; and the
// supporting signals that raise a nearby attack's score, into `supports`.
void CollectSignals(const std::vector<Rule>& rules, const NormalizedText& norm,
                    const std::vector<Hit>& hits, const HitKinds& kinds,
                    std::vector<Signal>& primaries, std::vector<Signal>& supports);

}  // namespace octo::safety::detail
