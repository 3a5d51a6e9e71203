// Reduces one image's prediction and ground truth to per-class pixel counts, as mmseg's
// IoUMetric.intersect_and_union does (spec §7), and the reduce_zero_label conversion of the ground
// truth that some mmseg datasets apply.
#ifndef ITACLIP_CORE_EVALUATION_INTERSECT_AND_UNION_H_
#define ITACLIP_CORE_EVALUATION_INTERSECT_AND_UNION_H_

#include <opencv2/core/mat.hpp>
#include <optional>

#include "absl/status/statusor.h"
#include "core/evaluation/iou_counts.h"

namespace itaclip::evaluation {

// mmseg's ignore_index, the same for all five ITACLIP datasets.
inline constexpr int kIgnoreIndex = 255;

// `pred` and `gt` are single-channel CV_8U or CV_16U maps of the same size (the prediction is made
// at the ground truth's size; neither is ever resized). Pixels whose ground truth equals
// `ignore_index` are dropped; of the others, pixel p adds 1 to area_pred_label[pred(p)], to
// area_label[gt(p)] and, when pred(p) == gt(p), to area_intersect[pred(p)];
// area_union = area_pred_label + area_label - area_intersect.
//
// mmseg's histograms silently drop values outside [0, num_classes); here a predicted label >=
// num_classes (anywhere in the image) or a ground-truth label >= num_classes other than the ignore
// label is INVALID_ARGUMENT naming the value and a pixel, because it means the prediction, the
// vocabulary and the dataset do not belong together. Also INVALID_ARGUMENT for num_classes < 1,
// empty maps, different sizes, or a type other than CV_8UC1 / CV_16UC1.
absl::StatusOr<IouCounts> IntersectAndUnion(const cv::Mat& pred, const cv::Mat& gt, int num_classes,
                                            std::optional<int> ignore_index = kIgnoreIndex);

// mmseg's LoadAnnotations with reduce_zero_label=True, for datasets whose label 0 is "other": 0
// becomes 255 (ignored), every other label l becomes l - 1, and 255 stays 255 (the ignore label is
// not shifted). A CV_8UC1 map; INVALID_ARGUMENT for anything else. None of the five ITACLIP configs
// uses it (spec §6); VOC20 / Context59 style evaluations do.
absl::StatusOr<cv::Mat> ReduceZeroLabel(const cv::Mat& gt);

}  // namespace itaclip::evaluation

#endif  // ITACLIP_CORE_EVALUATION_INTERSECT_AND_UNION_H_
