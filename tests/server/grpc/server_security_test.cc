// Authentication and transport security of an in-process server over real channels: bearer tokens
// (refused without or with a wrong token, and never written to the log), TLS and mutual TLS with
// certificates made by the openssl command for each run.
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/observability/log.h"
#include "tests/server/grpc/in_process_server.h"
#include "tests/server/grpc/rpc_test_inputs.h"
#include "tests/testing/test_paths.h"

namespace itaclip::testing {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kModelSeed = 5;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

grpc::Status CallInfo(v1::SegmentationService::Stub& stub, const std::string& authorization = "") {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!authorization.empty()) context.AddMetadata("authorization", authorization);
  v1::ServerInfo info;
  return stub.GetServerInfo(&context, v1::GetServerInfoRequest(), &info);
}

// Every log line written while it lives.
class LogCapture {
 public:
  LogCapture() {
    server::SetLogSink([this](absl::string_view line) {
      absl::MutexLock lock(&mu_);
      lines_.emplace_back(line);
    });
  }
  ~LogCapture() { server::SetLogSink(nullptr); }
  std::vector<std::string> lines() const {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_;
};

TEST(ServerSecurityTest, BearerTokensAreRequiredAndNeverLogged) {
  const std::string kToken = "s3cr3t-T0ken-4f9a";
  const std::string kWrongToken = "wr0ng-T0ken-77c1";
  const std::string token_file = ScratchDir() + "/tokens.txt";
  WriteFile(token_file, absl::StrCat("# the test's token\n", kToken, "\n"));

  LogCapture logs;
  std::unique_ptr<InProcessServer> server = StartTestServer(
      kModelSeed,
      [&](v1::ServerConfig& config) { config.mutable_auth()->set_bearer_tokens_file(token_file); });
  ASSERT_NE(server, nullptr);
  auto stub = server->Stub();

  grpc::Status status = CallInfo(*stub);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("bearer token"));
  status = CallInfo(*stub, "Bearer " + kWrongToken);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("not valid"));
  EXPECT_THAT(status.error_message(), ::testing::Not(HasSubstr(kWrongToken)));
  status = CallInfo(*stub, kToken);  // no scheme
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("Bearer <token>"));
  status = CallInfo(*stub, "Bearer " + kToken);
  EXPECT_TRUE(status.ok()) << status.error_message();

  // Segment with the token works end to end; without it, it never reaches the model.
  v1::RegisterClassesRequest register_request;
  *register_request.mutable_vocabulary() = AnimalsVocabulary();
  v1::RegisterClassesResponse registered;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + kToken);
    ASSERT_TRUE(stub->RegisterClasses(&context, register_request, &registered).ok());
  }
  const v1::SegmentRequest request =
      SegmentById(EncodePng(RandomImage(32, 32, 1)), registered.vocabulary_id());
  v1::SegmentResponse response;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + kToken);
    const grpc::Status segmented = stub->Segment(&context, request, &response);
    EXPECT_TRUE(segmented.ok()) << segmented.error_message();
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + kWrongToken);
    EXPECT_EQ(stub->Segment(&context, request, &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }

  // The health service stays open to probes.
  grpc::ClientContext health_context;
  grpc::health::v1::HealthCheckResponse health;
  ASSERT_TRUE(server->HealthStub()
                  ->Check(&health_context, grpc::health::v1::HealthCheckRequest(), &health)
                  .ok());
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  server.reset();
  const std::vector<std::string> lines = logs.lines();
  int unauthenticated_lines = 0;
  for (const std::string& line : lines) {
    EXPECT_FALSE(absl::StrContains(line, kToken)) << line;
    EXPECT_FALSE(absl::StrContains(line, kWrongToken)) << line;
    if (absl::StrContains(line, "\"UNAUTHENTICATED\"")) ++unauthenticated_lines;
  }
  // The refused calls were logged (so the check above looked at them).
  EXPECT_EQ(unauthenticated_lines, 4);
}

// A CA, a server certificate for localhost / 127.0.0.1 and a client certificate, made once for the
// suite with the openssl command (P-256 keys: fast to generate).
class ServerTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system("openssl version > /dev/null 2>&1") != 0) return;
    char pattern[] = "/tmp/itaclip-tls-XXXXXX";
    if (mkdtemp(pattern) == nullptr) return;
    dir_ = new std::string(pattern);
    const std::string d = *dir_;
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    const std::vector<std::string> commands = {
        absl::StrCat("openssl req -x509 ", key, " -keyout ", d, "/ca.key -out ", d,
                     "/ca.pem -days 2 -subj '/CN=itaclip test CA'"),
        absl::StrCat("openssl req ", key, " -keyout ", d, "/server.key -out ", d,
                     "/server.csr -subj '/CN=localhost'"),
        absl::StrCat("printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ", d, "/server.ext"),
        absl::StrCat("openssl x509 -req -in ", d, "/server.csr -CA ", d, "/ca.pem -CAkey ", d,
                     "/ca.key -CAcreateserial -days 2 -extfile ", d, "/server.ext -out ", d,
                     "/server.pem"),
        absl::StrCat("openssl req ", key, " -keyout ", d, "/client.key -out ", d,
                     "/client.csr -subj '/CN=itaclip test client'"),
        absl::StrCat("openssl x509 -req -in ", d, "/client.csr -CA ", d, "/ca.pem -CAkey ", d,
                     "/ca.key -CAcreateserial -days 2 -out ", d, "/client.pem"),
    };
    for (const std::string& command : commands) {
      if (std::system((command + " > " + d + "/openssl.log 2>&1").c_str()) != 0) {
        failed_command_ = new std::string(command + "\n" + ReadFile(d + "/openssl.log"));
        return;
      }
    }
  }
  static void TearDownTestSuite() {
    if (dir_ != nullptr) std::system(("rm -rf " + *dir_).c_str());
    delete dir_;
    delete failed_command_;
    dir_ = nullptr;
    failed_command_ = nullptr;
  }

  void SetUp() override {
    if (dir_ == nullptr) GTEST_SKIP() << "the openssl command is not available";
    ASSERT_EQ(failed_command_, nullptr) << *failed_command_;
  }

  static std::string Path(const std::string& name) { return *dir_ + "/" + name; }

  static std::unique_ptr<InProcessServer> StartTlsServer(bool mutual) {
    return StartTestServer(kModelSeed, [mutual](v1::ServerConfig& config) {
      config.mutable_tls()->set_cert_file(Path("server.pem"));
      config.mutable_tls()->set_key_file(Path("server.key"));
      if (mutual) config.mutable_tls()->set_client_ca_file(Path("ca.pem"));
    });
  }

  static std::shared_ptr<grpc::ChannelCredentials> Credentials(bool with_client_cert) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ReadFile(Path("ca.pem"));
    if (with_client_cert) {
      options.pem_private_key = ReadFile(Path("client.key"));
      options.pem_cert_chain = ReadFile(Path("client.pem"));
    }
    return grpc::SslCredentials(options);
  }

  static std::unique_ptr<v1::SegmentationService::Stub> TlsStub(const InProcessServer& server,
                                                                bool with_client_cert) {
    grpc::ChannelArguments arguments;
    arguments.SetSslTargetNameOverride("localhost");
    return v1::SegmentationService::NewStub(
        server.Channel(Credentials(with_client_cert), arguments));
  }

  static std::string* dir_;
  static std::string* failed_command_;
};

std::string* ServerTlsTest::dir_ = nullptr;
std::string* ServerTlsTest::failed_command_ = nullptr;

TEST_F(ServerTlsTest, TlsServesTlsClientsOnly) {
  std::unique_ptr<InProcessServer> server = StartTlsServer(/*mutual=*/false);
  ASSERT_NE(server, nullptr);

  auto tls = TlsStub(*server, /*with_client_cert=*/false);
  grpc::Status status = CallInfo(*tls);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  v1::RegisterClassesResponse registered;
  ASSERT_TRUE(CallRegister(*tls, StreetVocabulary(), &registered).ok());
  v1::SegmentResponse response;
  status = CallSegment(
      *tls, SegmentById(EncodePng(RandomImage(40, 30, 2)), registered.vocabulary_id()), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.labels().width(), 40);

  // A plaintext client cannot talk to it.
  status = CallInfo(*server->Stub());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();

  // Nor can a TLS client that does not trust the server's CA (it trusts only the client cert).
  grpc::SslCredentialsOptions untrusting;
  untrusting.pem_root_certs = ReadFile(Path("client.pem"));
  grpc::ChannelArguments arguments;
  arguments.SetSslTargetNameOverride("localhost");
  status = CallInfo(*v1::SegmentationService::NewStub(
      server->Channel(grpc::SslCredentials(untrusting), arguments)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

TEST_F(ServerTlsTest, MutualTlsNeedsAClientCertificate) {
  std::unique_ptr<InProcessServer> server = StartTlsServer(/*mutual=*/true);
  ASSERT_NE(server, nullptr);

  grpc::Status status = CallInfo(*TlsStub(*server, /*with_client_cert=*/false));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();

  status = CallInfo(*TlsStub(*server, /*with_client_cert=*/true));
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();

  status = CallInfo(*server->Stub());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

}  // namespace
}  // namespace itaclip::testing
