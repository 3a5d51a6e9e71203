// Collects request latencies from many threads and answers percentile questions about them.
#ifndef ITACLIP_CLIENT_LOADGEN_LATENCY_RECORDER_H_
#define ITACLIP_CLIENT_LOADGEN_LATENCY_RECORDER_H_

#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace itaclip::client {

// Thread-safe: Add may be called from any number of threads while others read.
class LatencyRecorder {
 public:
  void Add(double milliseconds) ABSL_LOCKS_EXCLUDED(mutex_);

  int64_t Count() const ABSL_LOCKS_EXCLUDED(mutex_);

  // The p-th percentile by the nearest-rank definition: with the n samples sorted ascending
  // x_1 <= ... <= x_n, it is x_k with k = ceil(p/100 · n), and x_1 for p = 0. It is always one of
  // the recorded samples (no interpolation): for the samples 1..100, p50 = 50, p95 = 95, p99 = 99,
  // p100 = 100; for a single sample, every percentile is that sample.
  // FAILED_PRECONDITION when nothing was recorded; INVALID_ARGUMENT when p is outside [0, 100].
  absl::StatusOr<double> Percentile(double p) const ABSL_LOCKS_EXCLUDED(mutex_);

  // The arithmetic mean; FAILED_PRECONDITION when nothing was recorded.
  absl::StatusOr<double> Mean() const ABSL_LOCKS_EXCLUDED(mutex_);

 private:
  mutable absl::Mutex mutex_;
  // Kept unsorted; a query sorts a copy, so Add stays O(1) under the lock.
  std::vector<double> samples_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_LOADGEN_LATENCY_RECORDER_H_
