// MakeServerCredentials: insecure without a certificate, TLS and mutual TLS from PEM files (checked
// by real handshakes against a local server with a freshly generated self-signed certificate), and
// the errors for missing or empty PEM files.
#include "server/grpc/server_credentials.h"

#include <grpcpp/grpcpp.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/scratch_dir_test.h"

namespace itaclip::server {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

struct Pem {
  std::string certificate;
  std::string private_key;
};

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

// A self-signed P-256 certificate for "localhost" (SAN), usable as the server's certificate, as the
// CA that verifies clients, and as a client certificate issued by that CA.
Pem SelfSignedLocalhost() {
  Pem pem;
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] :
       {std::pair<int, const char*>{NID_subject_alt_name, "DNS:localhost"},
        {NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    EXPECT_NE(extension, nullptr);
    X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
  }
  EXPECT_GT(X509_sign(cert, key, EVP_sha256()), 0);

  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, cert);
  pem.certificate = BioText(cert_bio);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  pem.private_key = BioText(key_bio);
  BIO_free(cert_bio);
  BIO_free(key_bio);
  X509_free(cert);
  EVP_PKEY_free(key);
  return pem;
}

// A local server on an ephemeral port with the credentials under test and the standard health
// service, which is enough to see whether a client's handshake succeeds.
class LocalServer {
 public:
  explicit LocalServer(std::shared_ptr<grpc::ServerCredentials> credentials) {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port_);
    server_ = builder.BuildAndStart();
  }
  ~LocalServer() {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  }
  bool started() const { return server_ != nullptr && port_ > 0; }

  // The health check's status through a channel with `credentials` (TLS names checked against
  // "localhost").
  grpc::Status Check(const std::shared_ptr<grpc::ChannelCredentials>& credentials) const {
    grpc::ChannelArguments arguments;
    arguments.SetSslTargetNameOverride("localhost");
    auto channel =
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port_), credentials, arguments);
    auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    return stub->Check(&context, request, &response);
  }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

std::shared_ptr<grpc::ChannelCredentials> TlsClient(const Pem& trusted, const Pem* client) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = trusted.certificate;
  if (client != nullptr) {
    options.pem_private_key = client->private_key;
    options.pem_cert_chain = client->certificate;
  }
  return grpc::SslCredentials(options);
}

class ServerCredentialsTest : public itaclip::testing::ScratchDirTest {
 protected:
  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = ScratchPath(name);
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
};

TEST_F(ServerCredentialsTest, NoCertificateMeansAPlaintextPort) {
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(v1::TlsConfig());
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  ASSERT_NE(*credentials, nullptr);
  LocalServer server(*credentials);
  ASSERT_TRUE(server.started());
  grpc::Status status = server.Check(grpc::InsecureChannelCredentials());
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(ServerCredentialsTest, ACertificateAndKeyServeTls) {
  const Pem pem = SelfSignedLocalhost();
  v1::TlsConfig tls;
  tls.set_cert_file(Write("server.crt", pem.certificate));
  tls.set_key_file(Write("server.key", pem.private_key));
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = MakeServerCredentials(tls);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  LocalServer server(*credentials);
  ASSERT_TRUE(server.started());
  grpc::Status status = server.Check(TlsClient(pem, nullptr));
  EXPECT_TRUE(status.ok()) << status.error_message();
  // A plaintext client cannot talk to it.
  EXPECT_EQ(server.Check(grpc::InsecureChannelCredentials()).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ServerCredentialsTest, AClientCaRequiresAVerifiedClientCertificate) {
  const Pem pem = SelfSignedLocalhost();
  const Pem stranger = SelfSignedLocalhost();  // not issued by the configured CA
  v1::TlsConfig tls;
  tls.set_cert_file(Write("server.crt", pem.certificate));
  tls.set_key_file(Write("server.key", pem.private_key));
  tls.set_client_ca_file(Write("ca.crt", pem.certificate));
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = MakeServerCredentials(tls);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  LocalServer server(*credentials);
  ASSERT_TRUE(server.started());
  grpc::Status with_certificate = server.Check(TlsClient(pem, &pem));
  EXPECT_TRUE(with_certificate.ok()) << with_certificate.error_message();
  EXPECT_FALSE(server.Check(TlsClient(pem, nullptr)).ok());
  EXPECT_FALSE(server.Check(TlsClient(pem, &stranger)).ok());
}

TEST_F(ServerCredentialsTest, AMissingPemFileIsNotFound) {
  const Pem pem = SelfSignedLocalhost();
  const std::string cert = Write("server.crt", pem.certificate);
  const std::string key = Write("server.key", pem.private_key);
  const std::string missing = ScratchPath("missing.pem");

  v1::TlsConfig tls;
  tls.set_cert_file(missing);
  tls.set_key_file(key);
  absl::Status status = MakeServerCredentials(tls).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("certificate"), HasSubstr(missing)));

  tls.set_cert_file(cert);
  tls.set_key_file(missing);
  status = MakeServerCredentials(tls).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("private key"), HasSubstr(missing)));

  tls.set_key_file(key);
  tls.set_client_ca_file(missing);
  status = MakeServerCredentials(tls).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("client CA"), HasSubstr(missing)));
}

TEST_F(ServerCredentialsTest, AnEmptyPemFileIsInvalid) {
  const Pem pem = SelfSignedLocalhost();
  const std::string cert = Write("server.crt", pem.certificate);
  const std::string key = Write("server.key", pem.private_key);
  const std::string empty = Write("empty.pem", "");

  v1::TlsConfig tls;
  tls.set_cert_file(empty);
  tls.set_key_file(key);
  absl::Status status = MakeServerCredentials(tls).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("certificate"), HasSubstr(empty)));

  tls.set_cert_file(cert);
  tls.set_key_file(empty);
  EXPECT_EQ(MakeServerCredentials(tls).status().code(), absl::StatusCode::kInvalidArgument);

  tls.set_key_file(key);
  tls.set_client_ca_file(empty);
  EXPECT_EQ(MakeServerCredentials(tls).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace itaclip::server
