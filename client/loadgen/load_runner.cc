#include "client/loadgen/load_runner.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

namespace itaclip::client {
namespace {

// What one thread saw; merged into LoadResult once the thread is done, so the threads share nothing
// but the request counter and the latency recorder while they run.
struct ThreadTally {
  int64_t ok = 0;
  std::map<grpc::StatusCode, int64_t> failed;
  std::map<grpc::StatusCode, std::string> example;
  double queued_ms = 0;
  double total_ms = 0;
};

void SendUntilDone(const ChannelFactory& channels, const v1::SegmentRequest& request,
                   const LoadPlan& plan, std::chrono::steady_clock::time_point stop_at,
                   std::atomic<int64_t>& issued, LatencyRecorder& latency_ms, ThreadTally& tally) {
  std::unique_ptr<v1::SegmentationService::Stub> stub = channels.NewSegmentationStub();
  while (true) {
    if (plan.requests > 0 && issued.fetch_add(1) >= plan.requests) return;
    if (plan.duration > absl::ZeroDuration() && std::chrono::steady_clock::now() >= stop_at) return;
    std::unique_ptr<grpc::ClientContext> context = channels.NewCallContext();
    v1::SegmentResponse response;
    const auto start = std::chrono::steady_clock::now();
    const grpc::Status status = stub->Segment(context.get(), request, &response);
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    if (status.ok()) {
      ++tally.ok;
      latency_ms.Add(took.count());
      tally.queued_ms += response.timings().queued_ms();
      tally.total_ms += response.timings().total_ms();
    } else {
      ++tally.failed[status.error_code()];
      tally.example.emplace(status.error_code(), status.error_message());
    }
  }
}

}  // namespace

int64_t LoadResult::Failed() const {
  int64_t total = 0;
  for (const auto& [code, count] : failed) total += count;
  return total;
}

absl::Status ValidateLoadPlan(const LoadPlan& plan) {
  if (plan.concurrency < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--concurrency must be at least 1, not ", plan.concurrency));
  }
  if (plan.requests < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--requests must not be negative (", plan.requests, ")"));
  }
  if (plan.duration < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--duration_s must not be negative");
  }
  const bool by_count = plan.requests > 0;
  const bool by_time = plan.duration > absl::ZeroDuration();
  if (by_count == by_time) {
    return absl::InvalidArgumentError("give exactly one of --requests N and --duration_s S");
  }
  return absl::OkStatus();
}

void RunLoad(const ChannelFactory& channels, const v1::SegmentRequest& request,
             const LoadPlan& plan, LoadResult& result) {
  std::atomic<int64_t> issued{0};
  std::vector<ThreadTally> tallies(plan.concurrency);
  std::vector<std::thread> threads;
  threads.reserve(plan.concurrency);
  const auto start = std::chrono::steady_clock::now();
  const auto stop_at = start + absl::ToChronoNanoseconds(plan.duration);
  for (int i = 0; i < plan.concurrency; ++i) {
    threads.emplace_back(SendUntilDone, std::cref(channels), std::cref(request), std::cref(plan),
                         stop_at, std::ref(issued), std::ref(result.latency_ms),
                         std::ref(tallies[i]));
  }
  for (std::thread& thread : threads) thread.join();
  result.elapsed = absl::FromChrono(std::chrono::steady_clock::now() - start);
  for (const ThreadTally& tally : tallies) {
    result.ok += tally.ok;
    for (const auto& [code, count] : tally.failed) result.failed[code] += count;
    for (const auto& [code, message] : tally.example) result.example.emplace(code, message);
    result.server_queued_ms_sum += tally.queued_ms;
    result.server_total_ms_sum += tally.total_ms;
  }
}

}  // namespace itaclip::client
