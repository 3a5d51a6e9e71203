#include "core/pipeline/sliding_window.h"

#include <algorithm>

namespace itaclip::pipeline {
namespace {

int GridCount(int size, int crop, int stride) {
  // Evaluated in 64 bits so that no combination of positive ints overflows.
  const long long span = static_cast<long long>(size) - crop + stride - 1;
  return static_cast<int>(std::max(span, 0LL) / stride + 1);
}

}  // namespace

std::vector<Window> SlidingWindows(int height, int width, int crop, int stride) {
  std::vector<Window> windows;
  if (height <= 0 || width <= 0 || crop <= 0 || stride <= 0) return windows;
  const int rows = GridCount(height, crop, stride);
  const int cols = GridCount(width, crop, stride);
  windows.reserve(static_cast<size_t>(rows) * cols);
  for (int r = 0; r < rows; ++r) {
    const int y2 = static_cast<int>(std::min<long long>(1LL * stride * r + crop, height));
    const int y1 = std::max(y2 - crop, 0);
    for (int c = 0; c < cols; ++c) {
      const int x2 = static_cast<int>(std::min<long long>(1LL * stride * c + crop, width));
      const int x1 = std::max(x2 - crop, 0);
      windows.push_back({y1, y2, x1, x2});
    }
  }
  return windows;
}

}  // namespace itaclip::pipeline
