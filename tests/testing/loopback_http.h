// A minimal HTTP/1.x client for tests: one request to 127.0.0.1, the whole answer back (the server
// closes the connection). Enough for the metrics endpoint; no dependency beyond POSIX sockets.
#ifndef ITACLIP_TESTS_TESTING_LOOPBACK_HTTP_H_
#define ITACLIP_TESTS_TESTING_LOOPBACK_HTTP_H_

#include <string>

#include "absl/status/statusor.h"

namespace itaclip::testing {

// A connected TCP socket to 127.0.0.1:`port` with 10 s send/receive timeouts (a hung server fails
// the test instead of blocking it), or -1. The caller closes it.
int ConnectToLoopback(int port);

// Sends `request` as is and returns the whole response, headers included.
absl::StatusOr<std::string> LoopbackHttpExchange(int port, const std::string& request);

}  // namespace itaclip::testing

#endif  // ITACLIP_TESTS_TESTING_LOOPBACK_HTTP_H_
