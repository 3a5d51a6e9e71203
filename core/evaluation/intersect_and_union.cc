#include "core/evaluation/intersect_and_union.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace itaclip::evaluation {
namespace {

absl::Status CheckLabelMap(const cv::Mat& map, const char* what) {
  if (map.empty()) return absl::InvalidArgumentError(absl::StrCat("the ", what, " map is empty"));
  if (map.type() != CV_8UC1 && map.type() != CV_16UC1) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", what, " map must be single-channel 8- or 16-bit, not OpenCV type ",
                     map.type(), " with ", map.channels(), " channels"));
  }
  return absl::OkStatus();
}

// Reads pixel (row, col) of a CV_8UC1 or CV_16UC1 map as an int.
int LabelAt(const cv::Mat& map, int row, int col) {
  return map.depth() == CV_8U ? map.at<uint8_t>(row, col) : map.at<uint16_t>(row, col);
}

}  // namespace

absl::StatusOr<IouCounts> IntersectAndUnion(const cv::Mat& pred, const cv::Mat& gt, int num_classes,
                                            std::optional<int> ignore_index) {
  if (num_classes < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("the number of classes must be at least 1, not ", num_classes));
  }
  if (absl::Status status = CheckLabelMap(pred, "prediction"); !status.ok()) return status;
  if (absl::Status status = CheckLabelMap(gt, "ground truth"); !status.ok()) return status;
  if (pred.size() != gt.size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("the prediction is %dx%d but the ground truth is %dx%d (width x height)",
                        pred.cols, pred.rows, gt.cols, gt.rows));
  }
  IouCounts counts = IouCounts::Zeros(num_classes);
  for (int row = 0; row < gt.rows; ++row) {
    for (int col = 0; col < gt.cols; ++col) {
      const int p = LabelAt(pred, row, col);
      if (p >= num_classes) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "the prediction has label %d at x=%d y=%d, but the vocabulary has %d classes", p, col,
            row, num_classes));
      }
      const int g = LabelAt(gt, row, col);
      if (ignore_index.has_value() && g == *ignore_index) continue;
      if (g >= num_classes) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "the ground truth has label %d at x=%d y=%d, but the vocabulary has %d classes%s (do "
            "the "
            "dataset, its layout and the vocabulary belong together?)",
            g, col, row, num_classes,
            ignore_index.has_value() ? absl::StrCat(" and the ignore label is ", *ignore_index)
                                     : ""));
      }
      ++counts.area_pred_label[p];
      ++counts.area_label[g];
      if (p == g) ++counts.area_intersect[p];
    }
  }
  for (int c = 0; c < num_classes; ++c) {
    counts.area_union[c] =
        counts.area_pred_label[c] + counts.area_label[c] - counts.area_intersect[c];
  }
  return counts;
}

absl::StatusOr<cv::Mat> ReduceZeroLabel(const cv::Mat& gt) {
  if (gt.empty() || gt.type() != CV_8UC1) {
    return absl::InvalidArgumentError(
        "reduce_zero_label needs a non-empty single-channel 8-bit ground-truth map");
  }
  cv::Mat reduced(gt.size(), CV_8UC1);
  for (int row = 0; row < gt.rows; ++row) {
    const uint8_t* in = gt.ptr<uint8_t>(row);
    uint8_t* out = reduced.ptr<uint8_t>(row);
    for (int col = 0; col < gt.cols; ++col) {
      // mmseg: gt[gt == 0] = 255; gt = gt - 1; gt[gt == 254] = 255 (uint8 arithmetic).
      const uint8_t shifted = static_cast<uint8_t>((in[col] == 0 ? 255 : in[col]) - 1);
      out[col] = shifted == 254 ? 255 : shifted;
    }
  }
  return reduced;
}

}  // namespace itaclip::evaluation
