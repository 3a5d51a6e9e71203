// The HTTP/JSON API beside gRPC, and the web page: the same SegmentationApi (handlers, limits,
// admission, metrics, logs), the same bearer tokens and TLS files, on HttpServer (cpp-httplib:
// concurrent, per-connection timeouts, a connection cap, a body limit).
//
//   GET    /                          the web page (index.html, app.js, style.css)
//   GET    /v1/health                 200 {"status":"SERVING"} or 503 {"status":"NOT_SERVING"}
//   GET    /v1/info                   GetServerInfo
//   GET    /v1/presets                the presets' class lists (HttpPresetsResponse)
//   GET    /v1/presets/{name}/vocabulary[?descriptions=true]   a preset's VocabularyDefinition
//   POST   /v1/vocabularies           RegisterClasses (body: RegisterClassesRequest)
//   GET    /v1/vocabularies[?include_definitions=true]         ListVocabularies
//   GET    /v1/vocabularies/{id}      GetVocabulary
//   DELETE /v1/vocabularies/{id}      DeleteVocabulary
//   POST   /v1/segment                Segment (body: SegmentRequest)
//
// Bodies are Protobuf's JSON mapping of proto/itaclip/v1 (google::protobuf::util), so the two APIs
// cannot drift: bytes in base64, int64 as strings, enums by name; both field name forms are read,
// lowerCamelCase is written, fields at their defaults included. An error is
// {"error":{"code":HTTP status,"status":"NOT_FOUND","message":...,"requestId":...}} with the gRPC
// code's HTTP status (http_status.h) and the message gRPC would give. Every /v1 route but health
// needs the bearer token when the server requires one; health and the page (which holds no data)
// never do. X-Request-Id is read and echoed as over gRPC. A call's work ends at the server's
// max_request_seconds (HTTP has no deadline of its own).
#ifndef ITACLIP_SERVER_HTTP_HTTP_API_H_
#define ITACLIP_SERVER_HTTP_HTTP_API_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/api/bearer_token_auth.h"
#include "server/api/segmentation_api.h"
#include "server/net/http_server.h"
#include "server/http/preset_vocabularies.h"

namespace itaclip::server {

class ServerMetrics;
class HttpRoutes;

struct HttpApiOptions {
  HttpServerOptions http;
  PresetVocabularyFiles preset_files;
};

class HttpApi {
 public:
  // Serves until destroyed. `api` must outlive it; `metrics` may be null. The errors of
  // HttpServer::Start (a bad address or TLS files: INVALID_ARGUMENT; cannot bind: UNAVAILABLE).
  static absl::StatusOr<std::unique_ptr<HttpApi>> Start(const std::string& address,
                                                        const HttpApiOptions& options,
                                                        SegmentationApi* api, BearerTokenAuth auth,
                                                        ServerMetrics* metrics);
  // Stops accepting; the connections being served end with their calls.
  ~HttpApi() = default;
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  int port() const { return http_->port(); }

  // Cancels the calls in progress (a drain's end: HTTP has no cancellation of its own); their
  // work stops at its next stage and they are answered.
  void CancelCalls();

 private:
  HttpApi(std::unique_ptr<HttpServer> http, std::shared_ptr<const HttpRoutes> routes)
      : routes_(std::move(routes)), http_(std::move(http)) {}

  std::shared_ptr<const HttpRoutes> routes_;  // what the handlers use: destroyed after the server
  std::unique_ptr<HttpServer> http_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_HTTP_HTTP_API_H_
