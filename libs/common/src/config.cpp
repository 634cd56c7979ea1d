#include "octo/common/config.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

extern char** environ;

namespace octo::common {
namespace {

std::string DefaultText(const std::variant<std::string*, int*, double*, bool*, absl::Duration*>&
                            target) {
  struct Visitor {
    std::string operator()(std::string* v) const { return v->empty() ? "\"\"" : *v; }
    std::string operator()(int* v) const { return absl::StrCat(*v); }
    std::string operator()(double* v) const { return absl::StrCat(*v); }
    std::string operator()(bool* v) const { return *v ? "true" : "false"; }
    std::string operator()(absl::Duration* v) const { return absl::FormatDuration(*v); }
  };
  return std::visit(Visitor{}, target);
}

}  // namespace

ConfigBinder::ConfigBinder(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

void ConfigBinder::Add(absl::string_view flag, absl::string_view env, Target target,
                       absl::string_view help) {
  settings_.push_back(Setting{std::string(flag), std::string(env), target, std::string(help),
                              DefaultText(target)});
}

void ConfigBinder::Bind(absl::string_view flag, absl::string_view env, std::string* target,
                        absl::string_view help) {
  Add(flag, env, target, help);
}
void ConfigBinder::Bind(absl::string_view flag, absl::string_view env, int* target,
                        absl::string_view help) {
  Add(flag, env, target, help);
}
void ConfigBinder::Bind(absl::string_view flag, absl::string_view env, double* target,
                        absl::string_view help) {
  Add(flag, env, target, help);
}
void ConfigBinder::Bind(absl::string_view flag, absl::string_view env, bool* target,
                        absl::string_view help) {
  Add(flag, env, target, help);
}
void ConfigBinder::Bind(absl::string_view flag, absl::string_view env, absl::Duration* target,
                        absl::string_view help) {
  Add(flag, env, target, help);
}

absl::Status ConfigBinder::Assign(const Setting& setting, absl::string_view value,
                                  absl::string_view source) {
  auto bad = [&](absl::string_view expected) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": expected ", expected, ", got \"", value, "\""));
  };
  if (auto* s = std::get_if<std::string*>(&setting.target)) {
    **s = std::string(value);
  } else if (auto* i = std::get_if<int*>(&setting.target)) {
    if (!absl::SimpleAtoi(value, *i)) return bad("an integer");
  } else if (auto* d = std::get_if<double*>(&setting.target)) {
    if (!absl::SimpleAtod(value, *d)) return bad("a number");
  } else if (auto* b = std::get_if<bool*>(&setting.target)) {
    std::string lower = absl::AsciiStrToLower(value);
    if (lower == "true" || lower == "1" || lower == "yes") {
      **b = true;
    } else if (lower == "false" || lower == "0" || lower == "no") {
      **b = false;
    } else {
      return bad("true or false");
    }
  } else if (auto* t = std::get_if<absl::Duration*>(&setting.target)) {
    if (!absl::ParseDuration(value, *t)) return bad("a duration such as 250ms or 5s");
  }
  return absl::OkStatus();
}

absl::Status ConfigBinder::Parse(int argc, const char* const* argv) {
  for (const Setting& setting : settings_) {
    if (setting.env.empty()) continue;
    if (const char* value = std::getenv(setting.env.c_str()); value != nullptr) {
      if (auto status = Assign(setting, value, setting.env); !status.ok()) return status;
    }
  }
  bool flags_done = false;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (flags_done || !absl::StartsWith(arg, "--")) {
      positional_.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    arg.remove_prefix(2);
    absl::string_view name = arg, value;
    bool has_value = false;
    if (auto eq = arg.find('='); eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    const Setting* setting = nullptr;
    for (const Setting& s : settings_) {
      if (s.flag == name) setting = &s;
    }
    if (setting == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name,
                                                     " (see --help)"));
    }
    if (!has_value) {
      if (std::holds_alternative<bool*>(setting->target)) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      }
    }
    if (auto status = Assign(*setting, value, absl::StrCat("--", name)); !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

void ConfigBinder::ParseOrExit(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--help" || arg == "-h") {
      std::fputs(Usage().c_str(), stdout);
      std::exit(0);
    }
  }
  if (auto status = Parse(argc, argv); !status.ok()) {
    std::fprintf(stderr, "%s: %s\n", program_.c_str(), std::string(status.message()).c_str());
    std::exit(2);
  }
}

std::string ConfigBinder::Usage() const {
  std::string out = absl::StrCat("Usage: ", program_, " [flags]\n", summary_, "\n\nFlags:\n");
  for (const Setting& s : settings_) {
    absl::StrAppendFormat(&out, "  --%-24s %-32s %s (default: %s)\n", s.flag,
                          s.env.empty() ? "" : absl::StrCat("$", s.env), s.help, s.default_text);
  }
  return out;
}

absl::Status Require(bool ok, absl::string_view name, absl::string_view why) {
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(name, ": ", why));
}

}  // namespace octo::common
