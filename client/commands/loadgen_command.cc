#include "client/commands/loadgen_command.h"

#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/commands/segment_request.h"
#include "client/connection/channel_factory.h"
#include "client/connection/grpc_status.h"
#include "core/common/status_macros.h"

namespace itaclip::client {

std::string FormatLoadReport(const LoadResult& result, int concurrency) {
  const double seconds = absl::ToDoubleSeconds(result.elapsed);
  const int64_t failed = result.Failed();
  const int64_t completed = result.ok + failed;
  std::string report =
      absl::StrFormat("requests: %d in %.2f s (concurrency %d)\nok: %d\nfailed: %d", completed,
                      seconds, concurrency, result.ok, failed);
  if (failed > 0) {
    std::vector<std::string> parts;
    for (const auto& [code, count] : result.failed) {
      const auto example = result.example.find(code);
      parts.push_back(absl::StrCat(GrpcCodeName(code), " ", count,
                                   example == result.example.end() || example->second.empty()
                                       ? ""
                                       : absl::StrCat(": ", example->second)));
    }
    absl::StrAppend(&report, " (", absl::StrJoin(parts, "; "), ")");
  }
  report += "\n";
  const double rate = seconds > 0 ? 1.0 / seconds : 0.0;
  absl::StrAppendFormat(&report, "throughput: %.2f req/s, %.2f images/s\n", completed * rate,
                        result.ok * rate);
  if (result.ok > 0) {
    // With at least one sample and p in [0, 100], the recorder cannot fail.
    absl::StrAppendFormat(&report, "latency_ms: p50 %.1f p95 %.1f p99 %.1f max %.1f mean %.1f\n",
                          *result.latency_ms.Percentile(50), *result.latency_ms.Percentile(95),
                          *result.latency_ms.Percentile(99), *result.latency_ms.Percentile(100),
                          *result.latency_ms.Mean());
    absl::StrAppendFormat(&report, "server_ms: queued %.1f total %.1f\n",
                          result.server_queued_ms_sum / result.ok,
                          result.server_total_ms_sum / result.ok);
  }
  return report;
}

absl::Status RunLoadgenCommand(const LoadgenOptions& options) {
  LoadPlan plan;
  plan.concurrency = options.concurrency;
  plan.requests = options.requests;
  const double duration_s = options.duration_s;
  if (!(duration_s >= 0 && duration_s < 1e7)) {  // also refuses NaN
    return absl::InvalidArgumentError(
        absl::StrCat("--duration_s must be a number of seconds in [0, 1e7), not ", duration_s));
  }
  plan.duration = absl::Seconds(duration_s);
  RETURN_IF_ERROR(ValidateLoadPlan(plan));
  ASSIGN_OR_RETURN(v1::SegmentRequest request,
                   SegmentRequestFrom(options.request, /*want_scores=*/false));
  ASSIGN_OR_RETURN(ChannelFactory channels, ChannelFactory::Connect(options.connection));

  LoadResult result;
  RunLoad(channels, request, plan, result);
  std::printf("%s", FormatLoadReport(result, plan.concurrency).c_str());
  if (result.ok == 0 && !result.failed.empty()) {
    const auto& [code, message] = *result.example.begin();
    return absl::FailedPreconditionError(
        absl::StrCat("no request succeeded; ", GrpcCodeName(code), ": ", message));
  }
  return absl::OkStatus();
}

}  // namespace itaclip::client
