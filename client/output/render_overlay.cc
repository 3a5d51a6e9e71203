#include "client/output/render_overlay.h"

#include <algorithm>
#include <numeric>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/strings/str_format.h"

namespace itaclip::client {
namespace {

constexpr int kLegendRowHeight = 22;
constexpr int kLegendWidth = 260;

int LabelAt(const cv::Mat& labels, int r, int c) {
  return labels.depth() == CV_8U ? labels.at<uint8_t>(r, c) : labels.at<uint16_t>(r, c);
}

}  // namespace

cv::Vec3b ClassColor(int index) {
  int r = 0, g = 0, b = 0;
  for (int shift = 7, c = index; c > 0 && shift >= 0; --shift, c >>= 3) {
    r |= ((c >> 0) & 1) << shift;
    g |= ((c >> 1) & 1) << shift;
    b |= ((c >> 2) & 1) << shift;
  }
  return cv::Vec3b(static_cast<uint8_t>(b), static_cast<uint8_t>(g), static_cast<uint8_t>(r));
}

cv::Mat RenderOverlay(const cv::Mat& bgr_image, const cv::Mat& labels,
                      const std::vector<std::string>& class_names,
                      const std::vector<int64_t>& class_pixel_counts) {
  cv::Mat colored(bgr_image.size(), CV_8UC3);
  for (int r = 0; r < labels.rows; ++r) {
    for (int c = 0; c < labels.cols; ++c)
      colored.at<cv::Vec3b>(r, c) = ClassColor(LabelAt(labels, r, c));
  }
  cv::Mat blended;
  cv::addWeighted(bgr_image, 0.5, colored, 0.5, 0.0, blended);

  std::vector<int> present;
  for (size_t i = 0; i < class_pixel_counts.size(); ++i) {
    if (class_pixel_counts[i] > 0) present.push_back(static_cast<int>(i));
  }
  std::sort(present.begin(), present.end(),
            [&](int a, int b) { return class_pixel_counts[a] > class_pixel_counts[b]; });
  const double total = std::max<double>(
      1.0, std::accumulate(class_pixel_counts.begin(), class_pixel_counts.end(), 0.0));
  const int legend_height = static_cast<int>(present.size()) * kLegendRowHeight + 8;
  cv::Mat canvas(std::max(blended.rows, legend_height), blended.cols + kLegendWidth, CV_8UC3,
                 cv::Scalar(255, 255, 255));
  blended.copyTo(canvas(cv::Rect(0, 0, blended.cols, blended.rows)));
  for (size_t row = 0; row < present.size(); ++row) {
    const int index = present[row];
    const int top = 4 + static_cast<int>(row) * kLegendRowHeight;
    const cv::Vec3b color = ClassColor(index);
    cv::rectangle(canvas, cv::Rect(blended.cols + 6, top, 18, 18),
                  cv::Scalar(color[0], color[1], color[2]), cv::FILLED);
    const std::string name =
        index < static_cast<int>(class_names.size()) ? class_names[index] : std::to_string(index);
    cv::putText(canvas,
                absl::StrFormat("%s %.1f%%", name, 100.0 * class_pixel_counts[index] / total),
                cv::Point(blended.cols + 30, top + 14), cv::FONT_HERSHEY_SIMPLEX, 0.45,
                cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  }
  return canvas;
}

}  // namespace itaclip::client
