// Sends the same Segment request from N threads, repeatedly, for a number of requests or a time,
// and gathers what came back: outcomes by status code, client-side latencies, server timings.
#ifndef ITACLIP_CLIENT_LOADGEN_LOAD_RUNNER_H_
#define ITACLIP_CLIENT_LOADGEN_LOAD_RUNNER_H_

#include <grpcpp/support/status.h>

#include <cstdint>
#include <map>
#include <string>

#include "absl/time/time.h"
#include "client/connection/channel_factory.h"
#include "client/loadgen/latency_recorder.h"
#include "itaclip/v1/segmentation_service.pb.h"

namespace itaclip::client {

struct LoadPlan {
  int concurrency = 1;  // threads, each with one request in flight
  // Stop after this many requests in all (0: no count limit) ...
  int64_t requests = 0;
  // ... or stop starting new ones once this much time has passed (zero: no time limit). Requests in
  // flight at that moment are waited for and counted.
  absl::Duration duration = absl::ZeroDuration();
};

struct LoadResult {
  int64_t ok = 0;
  std::map<grpc::StatusCode, int64_t> failed;       // calls that failed, by code
  std::map<grpc::StatusCode, std::string> example;  // the first message seen for each failing code
  absl::Duration elapsed;                           // first request sent until the last answered
  LatencyRecorder latency_ms;                       // of the successful calls, as the client saw it
  double server_queued_ms_sum = 0;                  // the successful answers' StageTimings, summed
  double server_total_ms_sum = 0;

  int64_t Failed() const;
};

// INVALID_ARGUMENT unless concurrency >= 1 and exactly one of requests > 0 and duration > 0 is set.
absl::Status ValidateLoadPlan(const LoadPlan& plan);

// Runs `plan` (which must be valid) and waits for every thread. Each call gets its own context
// (deadline and token) from `channels`; all share one channel. `result` must be fresh.
void RunLoad(const ChannelFactory& channels, const v1::SegmentRequest& request,
             const LoadPlan& plan, LoadResult& result);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_LOADGEN_LOAD_RUNNER_H_
