// `itaclip loadgen`: drives the server with concurrent Segment calls and reports outcomes by status
// code, throughput and latency percentiles.
#ifndef ITACLIP_CLIENT_COMMANDS_LOADGEN_COMMAND_H_
#define ITACLIP_CLIENT_COMMANDS_LOADGEN_COMMAND_H_

#include <string>

#include "absl/status/status.h"
#include "client/commands/segment_request.h"
#include "client/connection/channel_factory.h"
#include "client/loadgen/load_runner.h"

namespace itaclip::client {

// The report, one `key: value` line per figure:
//   requests: <ok + failed> in <s> s (concurrency <n>)
//   ok: <n>
//   failed: <n>[ (<CODE> <n>: <first message>; ...)]
//   throughput: <completed/s> req/s, <ok/s> images/s
//   latency_ms: p50 <x> p95 <x> p99 <x> max <x> mean <x>      (successful calls; omitted if none)
//   server_ms: queued <mean> total <mean>                      (the answers' own timings)
std::string FormatLoadReport(const LoadResult& result, int concurrency);

struct LoadgenOptions {
  ConnectionSettings connection;
  SegmentRequestOptions request;             // the request sent again and again (without scores)
  int concurrency = LoadPlan().concurrency;  // --concurrency
  int64_t requests = 0;                      // --requests (0: no count limit)
  double duration_s = 0;                     // --duration_s (0: no time limit)
};

// Prints the report on stdout. Errors: the options' errors (the flags named); FAILED_PRECONDITION
// when no call succeeded (the message names the first failure), so that a script notices a dead
// server; failures among successes are only reported.
absl::Status RunLoadgenCommand(const LoadgenOptions& options);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_COMMANDS_LOADGEN_COMMAND_H_
