#include "core/evaluation/iou_metrics.h"

#include <cmath>
#include <cstdint>
#include <limits>

namespace itaclip::evaluation {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Ratio(int64_t numerator, int64_t denominator) {
  // 0/0 is NaN as in mmseg's float division; a positive denominator gives the plain ratio.
  return denominator == 0 ? kNaN
                          : static_cast<double>(numerator) / static_cast<double>(denominator);
}

// numpy.nanmean: the mean of the non-NaN values, NaN when there are none. Sets `counted`.
double NanMean(const std::vector<double>& values, int* counted) {
  double sum = 0;
  int n = 0;
  for (const double v : values) {
    if (std::isnan(v)) continue;
    sum += v;
    ++n;
  }
  if (counted != nullptr) *counted = n;
  return n == 0 ? kNaN : sum / n;
}

}  // namespace

IouMetrics ComputeIouMetrics(const IouCounts& counts) {
  IouMetrics metrics;
  int64_t total_intersect = 0;
  int64_t total_label = 0;
  for (int c = 0; c < counts.num_classes(); ++c) {
    metrics.iou.push_back(Ratio(counts.area_intersect[c], counts.area_union[c]));
    metrics.accuracy.push_back(Ratio(counts.area_intersect[c], counts.area_label[c]));
    total_intersect += counts.area_intersect[c];
    total_label += counts.area_label[c];
  }
  metrics.mean_iou = NanMean(metrics.iou, &metrics.iou_classes);
  metrics.mean_accuracy = NanMean(metrics.accuracy, nullptr);
  metrics.all_accuracy = Ratio(total_intersect, total_label);
  return metrics;
}

}  // namespace itaclip::evaluation
