#include "server/net/host_port.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace itaclip::server {

absl::StatusOr<HostPort> ParseHostPort(absl::string_view what, absl::string_view address,
                                       int min_port) {
  const auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(what, " address \"", address, "\" ", why));
  };
  HostPort parsed;
  absl::string_view port;
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find("]:");
    if (close == absl::string_view::npos) return invalid("is not [ipv6-host]:port");
    parsed.host = std::string(address.substr(1, close - 1));
    port = address.substr(close + 2);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) return invalid("is not host:port");
    parsed.host = std::string(address.substr(0, colon));
    if (parsed.host.find(':') != std::string::npos) return invalid("needs [] around an IPv6 host");
    port = address.substr(colon + 1);
  }
  if (parsed.host.empty()) return invalid("has no host");
  if (port.empty() || !std::all_of(port.begin(), port.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(port, &parsed.port) || parsed.port < min_port || parsed.port > 65535) {
    return invalid(absl::StrCat("needs a port between ", min_port, " and 65535"));
  }
  return parsed;
}

}  // namespace itaclip::server
