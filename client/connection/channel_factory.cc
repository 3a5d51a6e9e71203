#include "client/connection/channel_factory.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/connection/bearer_token.h"
#include "client/input/read_file.h"
#include "core/common/status_macros.h"

namespace itaclip::client {
namespace {

std::shared_ptr<grpc::ChannelCredentials> Credentials(const ConnectionOptions& options) {
  if (!options.use_tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = options.tls_ca_pem;
  ssl.pem_cert_chain = options.tls_cert_chain_pem;
  ssl.pem_private_key = options.tls_private_key_pem;
  return grpc::SslCredentials(ssl);
}

}  // namespace

absl::StatusOr<ConnectionOptions> ResolveConnectionOptions(const ConnectionSettings& settings) {
  ConnectionOptions options;
  options.target = settings.server;
  if (options.target.empty()) return absl::InvalidArgumentError("--server is empty");

  const double timeout_s = settings.timeout_s;
  if (!std::isfinite(timeout_s) || timeout_s <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--timeout_s must be a positive number of seconds, not ", timeout_s));
  }
  options.call_timeout = absl::Seconds(timeout_s);

  // gRPC takes the limit as an int; 2047 MiB is the largest whole number of MiB that fits.
  const int max_response_mb = settings.max_response_mb;
  if (max_response_mb < 1 || max_response_mb > 2047) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_response_mb must be in [1, 2047], not ", max_response_mb));
  }
  options.max_response_bytes = max_response_mb << 20;

  const std::string& ca = settings.tls_ca;
  const std::string& cert = settings.tls_client_cert;
  const std::string& key = settings.tls_client_key;
  if (cert.empty() != key.empty()) {
    return absl::InvalidArgumentError(
        "--tls_client_cert and --tls_client_key go together: give both or neither");
  }
  if (!cert.empty() && ca.empty()) {
    return absl::InvalidArgumentError(
        "--tls_client_cert needs --tls_ca (the CA that signed the server's certificate)");
  }
  if (!ca.empty()) {
    options.use_tls = true;
    ASSIGN_OR_RETURN(options.tls_ca_pem, ReadFileToString(ca, "--tls_ca file"));
  }
  if (!cert.empty()) {
    ASSIGN_OR_RETURN(options.tls_cert_chain_pem, ReadFileToString(cert, "--tls_client_cert file"));
    ASSIGN_OR_RETURN(options.tls_private_key_pem, ReadFileToString(key, "--tls_client_key file"));
  }

  ASSIGN_OR_RETURN(options.bearer_token,
                   ResolveBearerToken(settings.token_file, std::getenv(kTokenEnvironmentVariable)));
  return options;
}

ChannelFactory::ChannelFactory(ConnectionOptions options) : options_(std::move(options)) {
  grpc::ChannelArguments arguments;
  // Score maps of large images are tens of MiB; gRPC's default answer limit is 4 MiB.
  arguments.SetMaxReceiveMessageSize(options_.max_response_bytes);
  channel_ = grpc::CreateCustomChannel(options_.target, Credentials(options_), arguments);
}

absl::StatusOr<ChannelFactory> ChannelFactory::Connect(const ConnectionSettings& settings) {
  ASSIGN_OR_RETURN(ConnectionOptions options, ResolveConnectionOptions(settings));
  return ChannelFactory(std::move(options));
}

std::unique_ptr<v1::SegmentationService::Stub> ChannelFactory::NewSegmentationStub() const {
  return v1::SegmentationService::NewStub(channel_);
}

std::unique_ptr<grpc::health::v1::Health::Stub> ChannelFactory::NewHealthStub() const {
  return grpc::health::v1::Health::NewStub(channel_);
}

std::unique_ptr<grpc::ClientContext> ChannelFactory::NewCallContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + options_.call_timeout));
  if (!options_.bearer_token.empty()) {
    // Sent as plain metadata rather than call credentials so that it also works over an insecure
    // channel (a local server behind a TLS-terminating proxy); gRPC refuses call credentials there.
    context->AddMetadata("authorization", absl::StrCat("Bearer ", options_.bearer_token));
  }
  return context;
}

}  // namespace itaclip::client
