// What model usage costs: a table of USD per million input and output tokens per model,
// from the checked-in deploy/llm/prices.json (built into the binaries) or a file.
#pragma once

#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "octo/llm/llm_client.h"

namespace octo::llm {

struct Price {
  double input_per_mtok = 0;
  double output_per_mtok = 0;
};

class PriceTable {
 public:
  // {"models": {"<name>": {"input_per_mtok": 2.5, "output_per_mtok": 10}, ...}}.
  // INVALID_ARGUMENT naming the entry that is malformed or negative.
  static absl::StatusOr<PriceTable> Parse(absl::string_view json);
  // The table built from deploy/llm/prices.json.
  static const PriceTable& BuiltIn();
  // Parse of the file at `path`; NOT_FOUND when it cannot be read.
  static absl::StatusOr<PriceTable> Load(const std::string& path);

  // The cost of `usage` with `model`; nullopt ("cost unknown") when the model is not in the
  // table. An exact name matches first, then the longest listed name that `model` starts
  // with followed by "-" (dated snapshots: "gpt-4o-2024-08-06" is priced as "gpt-4o").
  std::optional<double> Cost(absl::string_view model, const Usage& usage) const;
  std::optional<Price> Find(absl::string_view model) const;
  size_t size() const { return prices_.size(); }

 private:
  absl::flat_hash_map<std::string, Price> prices_;
};

}  // namespace octo::llm
