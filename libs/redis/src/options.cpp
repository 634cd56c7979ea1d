#include "octo/redis/options.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace octo::redis {
namespace {

absl::Status BadAddress(const std::string& address) {
  return absl::InvalidArgumentError(
      absl::StrCat("Redis address \"", address, "\" is not host:port or redis://host:port"));
}

}  // namespace

absl::StatusOr<RedisOptions> ParseRedisAddress(const std::string& address) {
  absl::string_view rest = address;
  absl::ConsumePrefix(&rest, "redis://");
  absl::string_view host;
  if (absl::ConsumePrefix(&rest, "[")) {
    const size_t close = rest.find(']');
    if (close == absl::string_view::npos) return BadAddress(address);
    host = rest.substr(0, close);
    rest.remove_prefix(close + 1);
    if (!absl::ConsumePrefix(&rest, ":")) return BadAddress(address);
  } else {
    const size_t colon = rest.find(':');
    if (colon == absl::string_view::npos) return BadAddress(address);
    host = rest.substr(0, colon);
    rest.remove_prefix(colon + 1);
  }
  const bool host_ok = !host.empty() && std::none_of(host.begin(), host.end(), [](char c) {
    return absl::ascii_isspace(c) || c == '/' || c == '@' || c == '[' || c == ']';
  });
  const bool port_digits = !rest.empty() && rest.size() <= 5 &&
                           std::all_of(rest.begin(), rest.end(), absl::ascii_isdigit);
  int port = 0;
  if (!host_ok || !port_digits || !absl::SimpleAtoi(rest, &port) || port < 1 || port > 65535) {
    return BadAddress(address);
  }
  RedisOptions options;
  options.host = std::string(host);
  options.port = port;
  return options;
}

}  // namespace octo::redis
