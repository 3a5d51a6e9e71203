#include "core/pipeline/sliding_window.h"

#include <algorithm>
#include <utility>

namespace itaclip::pipeline {
namespace {

// The [begin, end) intervals of one dimension of length `size` (see SlidingWindows).
std::vector<std::pair<int, int>> Intervals(int size, int crop, int stride) {
  // Evaluated in 64 bits so that no combination of positive ints overflows.
  const long long span = static_cast<long long>(size) - crop + stride - 1;
  const int count = static_cast<int>(std::max(span, 0LL) / stride + 1);
  std::vector<std::pair<int, int>> intervals;
  intervals.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    const int end = static_cast<int>(std::min<long long>(1LL * stride * i + crop, size));
    intervals.push_back({std::max(end - crop, 0), end});
  }
  return intervals;
}

bool ValidArguments(int height, int width, int crop, int stride) {
  return height > 0 && width > 0 && crop > 0 && stride > 0;
}

// How many of `intervals` cover each position of [0, size).
std::vector<float> Counts(const std::vector<std::pair<int, int>>& intervals, int size) {
  std::vector<float> counts(static_cast<size_t>(size), 0.0f);
  for (const auto& [begin, end] : intervals) {
    for (int i = begin; i < end; ++i) counts[static_cast<size_t>(i)] += 1.0f;
  }
  return counts;
}

}  // namespace

int64_t CountSlidingWindows(int64_t height, int64_t width, int64_t crop, int64_t stride) {
  if (height <= 0 || width <= 0 || crop <= 0 || stride <= 0) return 0;
  // The grid formula of Intervals: max(n - crop + stride - 1, 0) / stride + 1 per dimension.
  const auto grids = [&](int64_t n) {
    return std::max<int64_t>(n - crop + stride - 1, 0) / stride + 1;
  };
  return grids(height) * grids(width);
}

std::vector<Window> SlidingWindows(int height, int width, int crop, int stride) {
  std::vector<Window> windows;
  if (!ValidArguments(height, width, crop, stride)) return windows;
  const std::vector<std::pair<int, int>> rows = Intervals(height, crop, stride);
  const std::vector<std::pair<int, int>> cols = Intervals(width, crop, stride);
  windows.reserve(rows.size() * cols.size());
  for (const auto& [y1, y2] : rows) {
    for (const auto& [x1, x2] : cols) windows.push_back({y1, y2, x1, x2});
  }
  return windows;
}

WindowCoverage SlidingWindowCoverage(int height, int width, int crop, int stride) {
  if (!ValidArguments(height, width, crop, stride)) return {};
  return {Counts(Intervals(height, crop, stride), height),
          Counts(Intervals(width, crop, stride), width)};
}

}  // namespace itaclip::pipeline
