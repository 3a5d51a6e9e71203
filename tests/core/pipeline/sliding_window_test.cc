#include "core/pipeline/sliding_window.h"

#include <vector>

#include "gtest/gtest.h"

namespace itaclip::pipeline {
namespace {

// Checks the layout properties that hold for any image: row-major order, window
// sizes, the snapped last windows and that every pixel is covered.
void ExpectValidLayout(const std::vector<Window>& windows, int h, int w, int crop, int rows,
                       int cols) {
  ASSERT_EQ(windows.size(), static_cast<size_t>(rows * cols));
  std::vector<int> coverage(static_cast<size_t>(h) * w, 0);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const Window& win = windows[static_cast<size_t>(r * cols + c)];
      EXPECT_EQ(win.y2 - win.y1, std::min(crop, h));
      EXPECT_EQ(win.x2 - win.x1, std::min(crop, w));
      EXPECT_GE(win.y1, 0);
      EXPECT_GE(win.x1, 0);
      EXPECT_LE(win.y2, h);
      EXPECT_LE(win.x2, w);
      // Rows of the grid share y, columns share x.
      EXPECT_EQ(win.y1, windows[static_cast<size_t>(r * cols)].y1);
      EXPECT_EQ(win.x1, windows[static_cast<size_t>(c)].x1);
      for (int y = win.y1; y < win.y2; ++y) {
        for (int x = win.x1; x < win.x2; ++x) ++coverage[static_cast<size_t>(y) * w + x];
      }
    }
  }
  for (int count : coverage) ASSERT_GT(count, 0);
  EXPECT_EQ(windows.back().y2, h);
  EXPECT_EQ(windows.back().x2, w);
}

TEST(SlidingWindowsTest, SpecCounts) {
  // "448x336 gives 5x9": width 448, height 336.
  std::vector<Window> windows = SlidingWindows(336, 448, 224, 28);
  ExpectValidLayout(windows, 336, 448, 224, 5, 9);
  windows = SlidingWindows(448, 597, 224, 28);
  ExpectValidLayout(windows, 448, 597, 224, 9, 15);
  windows = SlidingWindows(560, 1120, 224, 28);
  ExpectValidLayout(windows, 560, 1120, 224, 13, 33);
}

TEST(SlidingWindowCoverageTest, RowTimesColumnCountEqualsTheWindowsCoveringEachPixel) {
  // Counted window by window over SlidingWindows, including one- and two-window dimensions and the
  // snapped last windows.
  const int sizes[][4] = {{336, 448, 224, 28}, {448, 597, 224, 28}, {100, 230, 224, 28},
                          {30, 31, 7, 5},      {9, 9, 9, 9},        {12, 40, 5, 5}};
  for (const auto& s : sizes) {
    const int h = s[0], w = s[1], crop = s[2], stride = s[3];
    std::vector<int> counted(static_cast<size_t>(h) * w, 0);
    for (const Window& win : SlidingWindows(h, w, crop, stride)) {
      for (int y = win.y1; y < win.y2; ++y) {
        for (int x = win.x1; x < win.x2; ++x) ++counted[static_cast<size_t>(y) * w + x];
      }
    }
    const WindowCoverage coverage = SlidingWindowCoverage(h, w, crop, stride);
    ASSERT_EQ(coverage.rows.size(), static_cast<size_t>(h));
    ASSERT_EQ(coverage.columns.size(), static_cast<size_t>(w));
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        ASSERT_EQ(coverage.rows[static_cast<size_t>(y)] * coverage.columns[static_cast<size_t>(x)],
                  static_cast<float>(counted[static_cast<size_t>(y) * w + x]))
            << h << "x" << w << " at " << y << "," << x;
      }
    }
  }
  EXPECT_TRUE(SlidingWindowCoverage(0, 5, 3, 1).rows.empty());
}

TEST(SlidingWindowsTest, PositionsWorkedByHand) {
  // h = 336: y1 = 0, 28, 56, 84 and then 112 (4 * 28 = 112, 112 + 224 = 336 =
  // h, not snapped). w = 597: grids 15; c = 14 gives x1 = 392, x2 = min(616,
  // 597) = 597, x1 = 373 (snapped).
  const std::vector<Window> windows = SlidingWindows(336, 597, 224, 28);
  ASSERT_EQ(windows.size(), 5u * 15u);
  const int expected_y1[5] = {0, 28, 56, 84, 112};
  for (int r = 0; r < 5; ++r) {
    EXPECT_EQ(windows[static_cast<size_t>(r * 15)].y1, expected_y1[r]);
    EXPECT_EQ(windows[static_cast<size_t>(r * 15)].y2, expected_y1[r] + 224);
  }
  EXPECT_EQ(windows[13].x1, 364);
  EXPECT_EQ(windows[13].x2, 588);
  EXPECT_EQ(windows[14].x1, 373);
  EXPECT_EQ(windows[14].x2, 597);
}

TEST(SlidingWindowsTest, SmallDimensionGivesOneFullWindow) {
  // h = 100 < 224: one row of height 100; w = 300: (300 - 224 + 27) / 28 + 1 =
  // 4 windows, the last snapped to [76, 300).
  const std::vector<Window> windows = SlidingWindows(100, 300, 224, 28);
  ExpectValidLayout(windows, 100, 300, 224, 1, 4);
  EXPECT_EQ(windows[0].y1, 0);
  EXPECT_EQ(windows[0].y2, 100);
  EXPECT_EQ(windows[2].x1, 56);
  EXPECT_EQ(windows[3].x1, 76);
  // Both dimensions small.
  const std::vector<Window> tiny = SlidingWindows(50, 60, 224, 28);
  ASSERT_EQ(tiny.size(), 1u);
  EXPECT_EQ(tiny[0].y1, 0);
  EXPECT_EQ(tiny[0].y2, 50);
  EXPECT_EQ(tiny[0].x1, 0);
  EXPECT_EQ(tiny[0].x2, 60);
}

TEST(SlidingWindowsTest, ExactFitAndStrideEqualToCrop) {
  ExpectValidLayout(SlidingWindows(224, 224, 224, 28), 224, 224, 224, 1, 1);
  // Cityscapes' historical stride 224 on 560 x 1120: (559 / 224 + 1) x (1119 /
  // 224 + 1) = 3 x 5.
  ExpectValidLayout(SlidingWindows(560, 1120, 224, 224), 560, 1120, 224, 3, 5);
}

TEST(SlidingWindowsTest, NonPositiveArgumentsGiveNoWindows) {
  EXPECT_TRUE(SlidingWindows(0, 10, 224, 28).empty());
  EXPECT_TRUE(SlidingWindows(10, -1, 224, 28).empty());
  EXPECT_TRUE(SlidingWindows(10, 10, 0, 28).empty());
  EXPECT_TRUE(SlidingWindows(10, 10, 224, 0).empty());
}

TEST(CountSlidingWindowsTest, EqualsTheNumberOfWindowsMade) {
  for (int height : {1, 100, 224, 225, 336, 513})
    for (int width : {7, 224, 500, 1000})
      for (int crop : {1, 112, 224, 448})
        for (int stride : {1, 28, 112, 224, 300}) {
          EXPECT_EQ(CountSlidingWindows(height, width, crop, stride),
                    static_cast<int64_t>(SlidingWindows(height, width, crop, stride).size()))
              << height << "x" << width << " crop " << crop << " stride " << stride;
        }
  EXPECT_EQ(CountSlidingWindows(0, 10, 5, 1), 0);
  EXPECT_EQ(CountSlidingWindows(10, 10, 5, 0), 0);
  // Far too many to make: (4000 - 224 + 1)^2 windows at stride 1.
  EXPECT_EQ(CountSlidingWindows(4000, 4000, 224, 1), int64_t{3777} * 3777);
}

}  // namespace
}  // namespace itaclip::pipeline
