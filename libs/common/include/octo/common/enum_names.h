// One table of an enum's names, read both ways: value to name and name to value.
#pragma once

#include <cstddef>
#include <string_view>

namespace octo::common {

template <typename Enum>
struct EnumName {
  Enum value;
  std::string_view name;
};

// The name of `value` in `table`, or `fallback` when the table has none (a value
// cast from a number the enum does not define).
template <typename Enum, std::size_t N>
constexpr std::string_view NameOf(const EnumName<Enum> (&table)[N], Enum value,
                                  std::string_view fallback = "unknown") {
  for (const EnumName<Enum>& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return fallback;
}

// Sets `*value` to the entry named `name` (exact, case-sensitive); false, with
// `*value` untouched, when no entry has that name.
template <typename Enum, std::size_t N>
constexpr bool ParseName(const EnumName<Enum> (&table)[N], std::string_view name, Enum* value) {
  for (const EnumName<Enum>& entry : table) {
    if (entry.name == name) {
      *value = entry.value;
      return true;
    }
  }
  return false;
}

}  // namespace octo::common
