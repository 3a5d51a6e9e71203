// The client's one place that builds gRPC channels, stubs and call contexts: the server address,
// TLS or mutual TLS, the bearer token and the per-call deadline all come from here.
#ifndef ITACLIP_CLIENT_CONNECTION_CHANNEL_FACTORY_H_
#define ITACLIP_CLIENT_CONNECTION_CHANNEL_FACTORY_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "itaclip/v1/segmentation_service.grpc.pb.h"

namespace itaclip::client {

// The connection as the command line gives it (--server, --tls_ca, --tls_client_cert,
// --tls_client_key, --token_file, --timeout_s, --max_response_mb): file names, not yet read. The
// defaults here are the flags' defaults.
struct ConnectionSettings {
  std::string server = "localhost:50051";  // host:port
  std::string tls_ca;
  std::string tls_client_cert;
  std::string tls_client_key;
  std::string token_file;  // empty: $ITACLIP_TOKEN, if set
  double timeout_s = 60;
  int max_response_mb = 1024;
};

// What a connection needs, with the PEM contents already read.
struct ConnectionOptions {
  std::string target;              // host:port
  bool use_tls = false;            // TLS when a CA bundle was given
  std::string tls_ca_pem;          // the CA that signed the server's certificate
  std::string tls_cert_chain_pem;  // client certificate for mutual TLS; empty for none
  std::string tls_private_key_pem;
  std::string bearer_token;  // sent as `authorization: Bearer <token>`; empty for none
  absl::Duration call_timeout = absl::Seconds(ConnectionSettings().timeout_s);
  int max_response_bytes = ConnectionSettings().max_response_mb << 20;
};

// Checks `settings` and reads its files (the token file, or $ITACLIP_TOKEN). INVALID_ARGUMENT for
// an empty server, a timeout that is not a positive finite number, max_response_mb outside
// [1, 2047], a client certificate without its key (or the reverse), or a client certificate
// without a CA; NOT_FOUND for a file that cannot be read. The messages name the flags.
absl::StatusOr<ConnectionOptions> ResolveConnectionOptions(const ConnectionSettings& settings);

// Holds one channel (gRPC connects lazily, on the first call) and hands out stubs on it and a
// context for each call. Thread-safe: stubs and contexts may be made and used from many threads.
class ChannelFactory {
 public:
  explicit ChannelFactory(ConnectionOptions options);

  // ChannelFactory(ResolveConnectionOptions(settings)).
  static absl::StatusOr<ChannelFactory> Connect(const ConnectionSettings& settings);

  std::unique_ptr<v1::SegmentationService::Stub> NewSegmentationStub() const;
  std::unique_ptr<grpc::health::v1::Health::Stub> NewHealthStub() const;

  // A context for one call: the deadline is now + call_timeout, and the bearer token, if any, is in
  // the `authorization` metadata. A context serves a single call.
  std::unique_ptr<grpc::ClientContext> NewCallContext() const;

  const std::string& target() const { return options_.target; }

 private:
  ConnectionOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_CONNECTION_CHANNEL_FACTORY_H_
