#include "server/http/http_api.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "itaclip/v1/http_api.pb.h"
#include "server/api/api_call.h"
#include "server/http/http_status.h"
#include "server/http/web_assets.h"
#include "server/observability/request_id.h"

namespace itaclip::server {
namespace {

// With a charset, which httplib does not compress: its brotli costs about 0.4 s on a 350 KB answer
// (more than the transfer saves on a local network); PNG labels are compressed already.
constexpr char kJson[] = "application/json; charset=utf-8";
constexpr char kText[] = "text/plain; charset=utf-8";

// The JSON of `message` (Protobuf's mapping, fields at their defaults included).
absl::Status ToJson(const google::protobuf::Message& message, std::string* json) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  const auto status = google::protobuf::util::MessageToJsonString(message, json, options);
  if (status.ok()) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("the answer could not be written as JSON: ",
                   std::string(status.message().data(), status.message().size())));
}

// Parses a request body. INVALID_ARGUMENT naming the message for anything Protobuf's JSON parser
// refuses (bad JSON, an unknown field, a wrong type, bad base64, a string that is not UTF-8), as
// gRPC refuses bytes that are not the message; RESOURCE_EXHAUSTED for a message larger than gRPC
// would accept.
absl::Status FromJson(const std::string& body, int64_t max_message_bytes,
                      google::protobuf::Message* message) {
  const auto status = google::protobuf::util::JsonStringToMessage(body, message);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the body is not a valid JSON ", message->GetDescriptor()->full_name(), ": ",
                     std::string(status.message().data(), status.message().size())));
  }
  const size_t size = message->ByteSizeLong();
  if (static_cast<int64_t>(size) > max_message_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the ", message->GetDescriptor()->full_name(), " is ", size,
        " bytes once decoded, over the server's max_message_bytes (", max_message_bytes, ")"));
  }
  return absl::OkStatus();
}

std::optional<absl::string_view> Header(const httplib::Request& request, const char* name) {
  if (!request.has_header(name)) return std::nullopt;
  // httplib keeps headers in a map owned by the request: the view stays valid with it.
  const auto it = request.headers.find(name);
  return absl::string_view(it->second);
}

// A call over HTTP: the handler's thread waits in Wait() until the API finishes it.
template <typename Request, typename Response>
class HttpCall final : public UnaryCall<Request, Response> {
 public:
  using UnaryCall<Request, Response>::UnaryCall;

  Request* request_to_fill() { return this->mutable_request(); }
  // The call's status once it is finished; its JSON answer in json() when OK.
  absl::Status Wait() {
    done_.WaitForNotification();
    return status_;
  }
  const std::string& json() const { return json_; }

 private:
  absl::Status WriteResponse() override { return ToJson(this->written_response(), &json_); }
  void Deliver(const absl::Status& status) override {
    status_ = status;
    done_.Notify();  // last: the waiting thread then destroys the call
  }

  std::string json_;
  absl::Status status_;
  absl::Notification done_;
};

void WriteJson(httplib::Response& response, int http_status, std::string json) {
  response.status = http_status;
  response.set_content(std::move(json), kJson);
}

// `http_status` 0: the status code's (HttpStatusOf).
void WriteError(httplib::Response& response, const absl::Status& status,
                const std::string& request_id, int http_status = 0) {
  v1::HttpErrorResponse body;
  v1::HttpError& error = *body.mutable_error();
  error.set_code(http_status != 0 ? http_status : HttpStatusOf(status.code()));
  error.set_status(absl::StatusCodeToString(status.code()));
  error.set_message(std::string(status.message()));
  error.set_request_id(request_id);
  std::string json;
  if (!ToJson(body, &json).ok()) json = "{}";
  if (status.code() == absl::StatusCode::kUnauthenticated) {
    response.set_header("WWW-Authenticate", "Bearer");
  }
  WriteJson(response, error.code(), std::move(json));
}

}  // namespace

// The routes, with what they share.
class HttpRoutes {
 public:
  HttpRoutes(const HttpApiOptions& options, SegmentationApi* api, BearerTokenAuth auth,
             ServerMetrics* metrics)
      : preset_files_(options.preset_files), api_(api), auth_(std::move(auth)), metrics_(metrics) {}

  void Add(httplib::Server& http) const;
  void CancelCalls() const;

 private:
  // One API call: authenticated, its request filled by `fill` (from the body, the path or the
  // query), handed to `handler`, waited for, answered in JSON.
  template <typename Request, typename Response>
  void Serve(const httplib::Request& http_request, httplib::Response& http_response,
             const char* method, const std::function<absl::Status(Request&)>& fill,
             const std::function<void(UnaryCall<Request, Response>*)>& handler) const;
  template <typename Request>
  std::function<absl::Status(Request&)> FromBody(const httplib::Request& http_request) const {
    const int64_t max_bytes = api_->limits().max_message_bytes;
    return [&http_request, max_bytes](Request& request) {
      return FromJson(http_request.body, max_bytes, &request);
    };
  }
  void ListPresets(UnaryCall<v1::HttpListPresetsRequest, v1::HttpPresetsResponse>* call) const;
  void GetPresetVocabulary(
      UnaryCall<v1::HttpPresetVocabularyRequest, v1::VocabularyDefinition>* call) const;

  // The tokens of the calls in progress, for CancelCalls.
  mutable absl::Mutex calls_mu_;
  mutable absl::flat_hash_set<CancelToken*> calls_ ABSL_GUARDED_BY(calls_mu_);
  const PresetVocabularyFiles preset_files_;
  SegmentationApi* const api_;
  const BearerTokenAuth auth_;
  ServerMetrics* const metrics_;
};

template <typename Request, typename Response>
void HttpRoutes::Serve(const httplib::Request& http_request, httplib::Response& http_response,
                       const char* method, const std::function<absl::Status(Request&)>& fill,
                       const std::function<void(UnaryCall<Request, Response>*)>& handler) const {
  // HTTP carries no deadline of its own: the server's max_request_seconds bounds the call.
  HttpCall<Request, Response> call(NewCallContext(
      method, "http", absl::StrCat(http_request.remote_addr, ":", http_request.remote_port),
      RequestIdOrNew(Header(http_request, "X-Request-Id")), metrics_,
      absl::Seconds(api_->limits().max_request_seconds)));
  CancelToken* const token = call.cancel().get();
  {
    absl::MutexLock lock(&calls_mu_);
    calls_.insert(token);
  }
  http_response.set_header("X-Request-Id", call.request_id());
  // The token before the body: an unauthenticated caller learns nothing of the API's shape.
  absl::Status status = auth_.Check(Header(http_request, "Authorization"));
  if (status.ok()) status = fill(*call.request_to_fill());
  if (status.ok()) {
    handler(&call);
  } else {
    call.Finish(status);
  }
  status = call.Wait();
  {
    absl::MutexLock lock(&calls_mu_);
    calls_.erase(token);
  }
  if (status.ok()) {
    WriteJson(http_response, 200, call.json());
  } else {
    WriteError(http_response, status, call.request_id());
  }
}

void HttpRoutes::CancelCalls() const {
  absl::MutexLock lock(&calls_mu_);
  for (CancelToken* token : calls_) token->Cancel();
}

void HttpRoutes::ListPresets(
    UnaryCall<v1::HttpListPresetsRequest, v1::HttpPresetsResponse>* call) const {
  absl::StatusOr<const ServingParts*> parts = api_->Serving();
  if (!parts.ok()) return call->Finish(parts.status());
  *call->response() = ListPresetVocabularies(preset_files_, (*parts)->presets);
  call->Finish(absl::OkStatus());
}

void HttpRoutes::GetPresetVocabulary(
    UnaryCall<v1::HttpPresetVocabularyRequest, v1::VocabularyDefinition>* call) const {
  absl::StatusOr<const ServingParts*> parts = api_->Serving();
  if (!parts.ok()) return call->Finish(parts.status());
  absl::StatusOr<v1::VocabularyDefinition> definition = PresetVocabulary(
      preset_files_, (*parts)->presets, call->request().name(), call->request().descriptions());
  if (definition.ok()) *call->response() = *std::move(definition);
  call->Finish(definition.status());
}

namespace {

// "true"/"1" (either field name form): a boolean query parameter.
bool QueryFlag(const httplib::Request& request, const char* snake, const char* camel) {
  for (const char* name : {snake, camel}) {
    if (request.has_param(name)) {
      const std::string value = request.get_param_value(name);
      return value == "true" || value == "1";
    }
  }
  return false;
}

const char* ContentTypeOf(absl::string_view name) {
  if (absl::EndsWith(name, ".html")) return "text/html; charset=utf-8";
  if (absl::EndsWith(name, ".js")) return "text/javascript; charset=utf-8";
  if (absl::EndsWith(name, ".css")) return "text/css; charset=utf-8";
  return "application/octet-stream";
}

void ServeAsset(const WebAsset& asset, httplib::Response& response) {
  response.set_content(std::string(asset.content), ContentTypeOf(asset.name));
  // The page uses nothing but itself (no external assets) and the API beside it; images the user
  // picks are shown from blob: URLs.
  response.set_header("Content-Security-Policy",
                      "default-src 'self'; img-src 'self' blob: data:; "
                      "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Cache-Control", "no-cache");
}

}  // namespace

void HttpRoutes::Add(httplib::Server& http) const {
  using httplib::Request;
  using httplib::Response;
  SegmentationApi* api = api_;
  const auto none = [](auto&) { return absl::OkStatus(); };

  // The page.
  for (const WebAsset& asset : WebAssets()) {
    const std::string path = absl::StrCat("/", asset.name);
    http.Get(path, [&asset](const Request&, Response& response) { ServeAsset(asset, response); });
    if (asset.name == "index.html") {
      http.Get("/", [&asset](const Request&, Response& response) { ServeAsset(asset, response); });
    }
  }

  http.Get("/v1/health", [api](const Request&, Response& response) {
    v1::HttpHealthResponse health;
    const bool serving = api->serving();
    health.set_status(serving ? "SERVING" : "NOT_SERVING");
    std::string json;
    if (!ToJson(health, &json).ok()) json = "{}";
    WriteJson(response, serving ? 200 : 503, std::move(json));
  });
  http.Get("/v1/info", [this, api, none](const Request& request, Response& response) {
    Serve<v1::GetServerInfoRequest, v1::ServerInfo>(
        request, response, "GetServerInfo", none, [api](auto* call) { api->GetServerInfo(call); });
  });
  http.Get("/v1/presets", [this, none](const Request& request, Response& response) {
    Serve<v1::HttpListPresetsRequest, v1::HttpPresetsResponse>(
        request, response, "ListPresets", none, [this](auto* call) { ListPresets(call); });
  });
  http.Get(R"(/v1/presets/([^/]+)/vocabulary)", [this](const Request& request, Response& response) {
    Serve<v1::HttpPresetVocabularyRequest, v1::VocabularyDefinition>(
        request, response, "GetPresetVocabulary",
        [&request](v1::HttpPresetVocabularyRequest& preset) {
          preset.set_name(request.matches[1]);
          preset.set_descriptions(QueryFlag(request, "descriptions", "descriptions"));
          return absl::OkStatus();
        },
        [this](auto* call) { GetPresetVocabulary(call); });
  });
  http.Post("/v1/vocabularies", [this, api](const Request& request, Response& response) {
    Serve<v1::RegisterClassesRequest, v1::RegisterClassesResponse>(
        request, response, "RegisterClasses", FromBody<v1::RegisterClassesRequest>(request),
        [api](auto* call) { api->RegisterClasses(call); });
  });
  http.Get("/v1/vocabularies", [this, api](const Request& request, Response& response) {
    Serve<v1::ListVocabulariesRequest, v1::ListVocabulariesResponse>(
        request, response, "ListVocabularies",
        [&request](v1::ListVocabulariesRequest& list) {
          list.set_include_definitions(
              QueryFlag(request, "include_definitions", "includeDefinitions"));
          return absl::OkStatus();
        },
        [api](auto* call) { api->ListVocabularies(call); });
  });
  const auto with_id = [](const Request& request) {
    return [&request](auto& message) {
      message.set_vocabulary_id(request.matches[1]);
      return absl::OkStatus();
    };
  };
  http.Get(R"(/v1/vocabularies/([^/]+))",
           [this, api, with_id](const Request& request, Response& response) {
             Serve<v1::GetVocabularyRequest, v1::VocabularyInfo>(
                 request, response, "GetVocabulary", with_id(request),
                 [api](auto* call) { api->GetVocabulary(call); });
           });
  http.Delete(R"(/v1/vocabularies/([^/]+))",
              [this, api, with_id](const Request& request, Response& response) {
                Serve<v1::DeleteVocabularyRequest, v1::DeleteVocabularyResponse>(
                    request, response, "DeleteVocabulary", with_id(request),
                    [api](auto* call) { api->DeleteVocabulary(call); });
              });
  http.Post("/v1/segment", [this, api](const Request& request, Response& response) {
    Serve<v1::SegmentRequest, v1::SegmentResponse>(request, response, "Segment",
                                                   FromBody<v1::SegmentRequest>(request),
                                                   [api](auto* call) { api->Segment(call); });
  });

  // What matched no route (an unknown path, or a method a path does not take): a JSON error under
  // /v1.
  http.set_error_handler([](const Request& request, Response& response) {
    if (!absl::StartsWith(request.path, "/v1/")) {
      if (response.body.empty()) {
        response.set_content(absl::StrCat("HTTP ", response.status, "\n"), kText);
      }
      return;
    }
    if (!response.body.empty()) return;  // an answer of a route
    absl::Status status;
    if (response.status == 413 && absl::StartsWith(request.get_header_value("Content-Type"),
                                                   "application/x-www-form-urlencoded")) {
      // httplib caps form bodies at 8 KiB whatever the limit; `curl -d` sends that type.
      status = absl::ResourceExhaustedError(
          "a body sent as application/x-www-form-urlencoded (curl -d's default) is limited to 8 "
          "KiB; send the JSON with Content-Type: application/json");
    } else if (response.status == 413) {
      status = absl::ResourceExhaustedError("the request body is larger than http.max_body_bytes");
    } else {
      status = absl::NotFoundError(absl::StrCat("no route ", request.method, " ", request.path));
    }
    WriteError(response, status, "", /*http_status=*/response.status);
  });
}

void HttpApi::CancelCalls() { routes_->CancelCalls(); }

absl::StatusOr<std::unique_ptr<HttpApi>> HttpApi::Start(const std::string& address,
                                                        const HttpApiOptions& options,
                                                        SegmentationApi* api, BearerTokenAuth auth,
                                                        ServerMetrics* metrics) {
  // Shared by the route handlers, which the httplib::Server keeps until it is destroyed.
  auto routes = std::make_shared<HttpRoutes>(options, api, std::move(auth), metrics);
  absl::StatusOr<std::unique_ptr<HttpServer>> http = HttpServer::Start(
      "http", address, options.http, [&routes](httplib::Server& server) { routes->Add(server); });
  if (!http.ok()) return http.status();
  return std::unique_ptr<HttpApi>(new HttpApi(*std::move(http), std::move(routes)));
}

}  // namespace itaclip::server
