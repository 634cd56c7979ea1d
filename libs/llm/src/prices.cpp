#include "octo/llm/prices.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "json_util.h"
#include "octo/common/log.h"

namespace octo::llm {

// deploy/llm/prices.json, generated into the build (CMake, prices_data.cpp).
extern const char kBuiltInPrices[];

absl::StatusOr<PriceTable> PriceTable::Parse(absl::string_view json) {
  const Json doc = ParseJson(json);
  const Json* models = ObjectAt(doc, "models");
  if (models == nullptr) return absl::InvalidArgumentError("prices: no \"models\" object");
  PriceTable table;
  for (const auto& [name, entry] : models->items()) {
    Price price;
    for (auto [key, target] : {std::pair{"input_per_mtok", &price.input_per_mtok},
                               std::pair{"output_per_mtok", &price.output_per_mtok}}) {
      auto it = entry.is_object() ? entry.find(key) : entry.end();
      if (!entry.is_object() || it == entry.end() || !it->is_number() || it->get<double>() < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("prices: models.", name, ".", key, " must be a number >= 0"));
      }
      *target = it->get<double>();
    }
    table.prices_.emplace(name, price);
  }
  return table;
}

const PriceTable& PriceTable::BuiltIn() {
  static const PriceTable* table = [] {
    absl::StatusOr<PriceTable> parsed = Parse(kBuiltInPrices);
    if (!parsed.ok()) log::Fatal(parsed.status());  // a build error: the file is checked in
    return new PriceTable(*std::move(parsed));
  }();
  return *table;
}

absl::StatusOr<PriceTable> PriceTable::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("prices: cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str());
}

std::optional<Price> PriceTable::Find(absl::string_view model) const {
  if (auto it = prices_.find(model); it != prices_.end()) return it->second;
  const std::pair<const std::string, Price>* best = nullptr;
  for (const auto& entry : prices_) {
    const std::string& name = entry.first;
    if (model.size() > name.size() && absl::StartsWith(model, name) && model[name.size()] == '-' &&
        (best == nullptr || name.size() > best->first.size())) {
      best = &entry;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->second;
}

std::optional<double> PriceTable::Cost(absl::string_view model, const Usage& usage) const {
  std::optional<Price> price = Find(model);
  if (!price) return std::nullopt;
  return (static_cast<double>(usage.input_tokens) * price->input_per_mtok +
          static_cast<double>(usage.output_tokens) * price->output_per_mtok) /
         1e6;
}

}  // namespace octo::llm
