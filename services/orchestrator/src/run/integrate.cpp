#include "src/run/integrate.h"

#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace octo::orchestrator {

Integrated Integrate(const v1::Task& task, int round) {
  std::vector<int> done;
  absl::flat_hash_set<std::string> used;
  for (int i = 0; i < task.steps_size(); ++i) {
    const v1::Step& s = task.steps(i);
    if (s.role() != v1::STEP_ROLE_WORK || s.round() != round ||
        s.state() != v1::STEP_STATE_SUCCEEDED) {
      continue;
    }
    done.push_back(i);
    used.insert(s.depends_on().begin(), s.depends_on().end());
  }
  std::vector<int> sinks;
  for (int i : done) {
    if (!used.contains(task.steps(i).id())) sinks.push_back(i);
  }
  Integrated out;
  if (sinks.empty()) return out;
  if (sinks.size() == 1) {
    out.text = task.steps(sinks[0]).output().text();
  } else {
    std::vector<std::string> parts;
    for (int i : sinks) {
      const v1::Step& s = task.steps(i);
      parts.push_back(absl::StrCat("[", s.id(), " ", s.capability(), "]\n", s.output().text()));
    }
    out.text = absl::StrJoin(parts, "\n\n");
  }
  out.output = task.steps(sinks.back()).output();
  out.provenance = task.steps(sinks.back()).provenance();
  if (absl::StripAsciiWhitespace(out.text).empty() && sinks.size() == 1) out.text.clear();
  return out;
}

}  // namespace octo::orchestrator
