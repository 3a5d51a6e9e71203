// Sliding-window layout over the resized image (spec §5.1, mmseg-style
// `forward_slide`).
#ifndef ITACLIP_CORE_PIPELINE_SLIDING_WINDOW_H_
#define ITACLIP_CORE_PIPELINE_SLIDING_WINDOW_H_

#include <cstdint>
#include <vector>

namespace itaclip::pipeline {

// A window [y1, y2) x [x1, x2) in image pixels (rows, columns), half-open.
struct Window {
  int y1;
  int y2;
  int x1;
  int x2;
};

// The windows for an image of `height` x `width` pixels, in row-major (r, c)
// order: grids = max(n - crop + stride - 1, 0) / stride + 1 per dimension; y1 =
// stride * r, y2 = min(y1 + crop, height), y1 = max(y2 - crop, 0) (and likewise
// for x), so the last window is snapped to the border and a dimension below
// `crop` gets one window of its full size. Every pixel is covered when stride
// <= crop. Returns an empty vector if any argument is not positive. Pure,
// thread-safe.
std::vector<Window> SlidingWindows(int height, int width, int crop, int stride);

// SlidingWindows(height, width, crop, stride).size(), computed without making them (a caller may
// ask about a layout far too large to make). 0 if any argument is not positive.
int64_t CountSlidingWindows(int64_t height, int64_t width, int64_t crop, int64_t stride);

// How many of SlidingWindows(height, width, crop, stride) cover each row and each column. The
// windows are the Cartesian product of their row and column intervals, so the windows covering
// pixel (y, x) number rows[y] * columns[x] (the overlap count that averages the slide buffer).
// Both empty if any argument is not positive. Pure, thread-safe.
struct WindowCoverage {
  std::vector<float> rows;
  std::vector<float> columns;
};
WindowCoverage SlidingWindowCoverage(int height, int width, int crop, int stride);

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_SLIDING_WINDOW_H_
