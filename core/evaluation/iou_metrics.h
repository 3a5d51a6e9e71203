// mIoU, mAcc and aAcc from a dataset's summed counts (spec §7, mmseg's IoUMetric.compute_metrics):
// per-class ratios of the dataset-level sums, with 0/0 giving NaN and NaN classes left out of the
// means.
#ifndef ITACLIP_CORE_EVALUATION_IOU_METRICS_H_
#define ITACLIP_CORE_EVALUATION_IOU_METRICS_H_

#include <vector>

#include "core/evaluation/iou_counts.h"

namespace itaclip::evaluation {

// Fractions in [0, 1] (multiply by 100 for the percentages mmseg prints).
struct IouMetrics {
  // Per class: area_intersect / area_union; NaN when the union is 0 (the class is neither in the
  // ground truth nor predicted).
  std::vector<double> iou;
  // Per class: area_intersect / area_label; NaN when the class is not in the ground truth.
  std::vector<double> accuracy;
  double mean_iou = 0;       // mean of the non-NaN iou (NaN when all are NaN)
  double mean_accuracy = 0;  // mean of the non-NaN accuracy (NaN when all are NaN)
  // sum(area_intersect) / sum(area_label): the share of non-ignored pixels labelled correctly
  // (NaN when no pixel counted).
  double all_accuracy = 0;
  int iou_classes = 0;  // classes with a non-NaN IoU, i.e. the ones the mean is over
};

// `counts` is assumed valid (ValidateIouCounts).
IouMetrics ComputeIouMetrics(const IouCounts& counts);

}  // namespace itaclip::evaluation

#endif  // ITACLIP_CORE_EVALUATION_IOU_METRICS_H_
