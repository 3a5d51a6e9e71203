#include "client/loadgen/latency_recorder.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"

namespace itaclip::client {

void LatencyRecorder::Add(double milliseconds) {
  absl::MutexLock lock(&mutex_);
  samples_.push_back(milliseconds);
}

int64_t LatencyRecorder::Count() const {
  absl::MutexLock lock(&mutex_);
  return static_cast<int64_t>(samples_.size());
}

absl::StatusOr<double> LatencyRecorder::Percentile(double p) const {
  if (!(p >= 0 && p <= 100)) {  // also refuses NaN
    return absl::InvalidArgumentError(absl::StrCat("percentile ", p, " is outside [0, 100]"));
  }
  std::vector<double> sorted;
  {
    absl::MutexLock lock(&mutex_);
    sorted = samples_;
  }
  if (sorted.empty()) return absl::FailedPreconditionError("no latencies were recorded");
  const double n = static_cast<double>(sorted.size());
  // p·n/100 rather than (p/100)·n: p/100 is rarely exact in binary, and a product a hair above an
  // integer would pick the next sample. The small slack absorbs what rounding is left (p = 99.9).
  const double rank = std::ceil(p * n / 100.0 - 1e-9);
  const size_t k = static_cast<size_t>(std::clamp(rank, 1.0, n));
  std::nth_element(sorted.begin(), sorted.begin() + (k - 1), sorted.end());
  return sorted[k - 1];
}

absl::StatusOr<double> LatencyRecorder::Mean() const {
  absl::MutexLock lock(&mutex_);
  if (samples_.empty()) return absl::FailedPreconditionError("no latencies were recorded");
  return std::accumulate(samples_.begin(), samples_.end(), 0.0) /
         static_cast<double>(samples_.size());
}

}  // namespace itaclip::client
