// The "host:port" addresses of the configuration (the metrics endpoint's, the shared Redis's), in
// one parser: "host:port", or "[ipv6-host]:port".
#ifndef ITACLIP_SERVER_NET_HOST_PORT_H_
#define ITACLIP_SERVER_NET_HOST_PORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace itaclip::server {

struct HostPort {
  std::string host;  // without the brackets of an IPv6 host
  int port = 0;
};

// INVALID_ARGUMENT `<what> address "<address>" <why>` for anything else, a port of other digits
// than a decimal number in [min_port, 65535] included.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view what, absl::string_view address,
                                       int min_port);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_NET_HOST_PORT_H_
