// GET /metrics on HttpServer: the page from the ServerMetrics' collectable, 404 and 405 elsewhere.
#include "server/observability/metrics_endpoint.h"

#include <httplib.h>

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "prometheus/text_serializer.h"

namespace itaclip::server {
namespace {

constexpr char kText[] = "text/plain; charset=utf-8";
// The Prometheus text exposition format, version 0.0.4.
constexpr char kPrometheusText[] = "text/plain; version=0.0.4; charset=utf-8";

std::string RenderMetrics(const std::weak_ptr<prometheus::Collectable>& metrics) {
  const std::shared_ptr<prometheus::Collectable> collectable = metrics.lock();
  if (collectable == nullptr) return "";  // the ServerMetrics is gone
  return prometheus::TextSerializer().Serialize(collectable->Collect());
}

void AddRoutes(httplib::Server& http, std::weak_ptr<prometheus::Collectable> metrics) {
  // GET (httplib answers HEAD from it, without the body).
  http.Get("/metrics", [metrics](const httplib::Request&, httplib::Response& response) {
    try {
      response.set_content(RenderMetrics(metrics), kPrometheusText);
    } catch (const std::exception& e) {
      response.status = 500;
      response.set_content(absl::StrCat(e.what(), "\n"), kText);
    }
  });
  const auto not_allowed = [](const httplib::Request&, httplib::Response& response) {
    response.status = 405;
    response.set_header("Allow", "GET, HEAD");
    response.set_content("only GET and HEAD are served\n", kText);
  };
  http.Post("/metrics", not_allowed);
  http.Put("/metrics", not_allowed);
  http.Patch("/metrics", not_allowed);
  http.Delete("/metrics", not_allowed);
  http.Options("/metrics", not_allowed);
  http.set_error_handler([](const httplib::Request&, httplib::Response& response) {
    if (response.status == 404) {
      response.set_content("not found; the metrics are at /metrics\n", kText);
    } else if (response.body.empty()) {
      response.set_content(absl::StrCat("HTTP ", response.status, "\n"), kText);
    }
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address, const ServerMetrics& metrics, const HttpServerOptions& options) {
  std::weak_ptr<prometheus::Collectable> collectable = metrics.collectable();
  absl::StatusOr<std::unique_ptr<HttpServer>> http = HttpServer::Start(
      "metrics", address, options,
      [&collectable](httplib::Server& server) { AddRoutes(server, collectable); });
  if (!http.ok()) return http.status();
  return std::unique_ptr<MetricsEndpoint>(new MetricsEndpoint(*std::move(http)));
}

}  // namespace itaclip::server
