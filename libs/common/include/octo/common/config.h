// Typed configuration from command-line flags and OCTO_* environment variables.
#pragma once

#include <string>
#include "absl/strings/string_view.h"
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace octo::common {

// Binds settings to fields of a config struct. The field's value before Parse is its
// default. A flag (--name=value or --name value) wins over the environment variable.
// Booleans accept true/false/1/0/yes/no, and a bare --name means true.
// Durations use absl syntax ("250ms", "5s", "1m").
//
//   ReflexConfig config;
//   ConfigBinder binder("octo-reflex", "Ingress service.");
//   binder.Bind("listen", "OCTO_REFLEX_LISTEN", &config.listen, "gRPC address");
//   binder.ParseOrExit(argc, argv);
class ConfigBinder {
 public:
  ConfigBinder(std::string program, std::string summary);

  void Bind(absl::string_view flag, absl::string_view env, std::string* target,
            absl::string_view help);
  void Bind(absl::string_view flag, absl::string_view env, int* target, absl::string_view help);
  void Bind(absl::string_view flag, absl::string_view env, double* target, absl::string_view help);
  void Bind(absl::string_view flag, absl::string_view env, bool* target, absl::string_view help);
  void Bind(absl::string_view flag, absl::string_view env, absl::Duration* target,
            absl::string_view help);

  // Fills the bound fields from `environ` then from argv. INVALID_ARGUMENT naming the flag
  // or variable for an unknown flag or a malformed value. Arguments that are not flags are
  // kept in positional(). "--" ends flag parsing.
  absl::Status Parse(int argc, const char* const* argv);
  // Parse, printing usage and exiting 0 on --help, or the error and exiting 2.
  void ParseOrExit(int argc, const char* const* argv);

  const std::vector<std::string>& positional() const { return positional_; }
  // One line per setting: flag, variable, default, help.
  std::string Usage() const;

 private:
  using Target = std::variant<std::string*, int*, double*, bool*, absl::Duration*>;
  struct Setting {
    std::string flag;
    std::string env;
    Target target;
    std::string help;
    std::string default_text;
  };
  void Add(absl::string_view flag, absl::string_view env, Target target, absl::string_view help);
  static absl::Status Assign(const Setting& setting, absl::string_view value,
                             absl::string_view source);

  std::string program_;
  std::string summary_;
  std::vector<Setting> settings_;
  std::vector<std::string> positional_;
};

// Fails with INVALID_ARGUMENT "<name>: <why>" unless `ok`; for validating a config once.
absl::Status Require(bool ok, absl::string_view name, absl::string_view why);

}  // namespace octo::common
