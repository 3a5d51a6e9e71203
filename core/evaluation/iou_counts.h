// The per-class pixel counts that mIoU is computed from (spec §7, mmseg's IoUMetric): for one image
// or summed over a dataset. Counts add up, so per-image results can be cached and summed in any
// order, and the dataset's totals are exact integers (mmseg sums float32 histograms).
#ifndef ITACLIP_CORE_EVALUATION_IOU_COUNTS_H_
#define ITACLIP_CORE_EVALUATION_IOU_COUNTS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"

namespace itaclip::evaluation {

// Four histograms over the classes [0, num_classes), counting only pixels whose ground truth is
// not the ignore label. Plain value type.
struct IouCounts {
  std::vector<int64_t> area_intersect;   // pixels with pred == gt == c
  std::vector<int64_t> area_union;       // area_pred_label + area_label - area_intersect
  std::vector<int64_t> area_pred_label;  // pixels predicted c
  std::vector<int64_t> area_label;       // pixels whose ground truth is c

  // All four histograms zero, of `num_classes` bins each (num_classes >= 0).
  static IouCounts Zeros(int num_classes);
  int num_classes() const { return static_cast<int>(area_intersect.size()); }
};

bool operator==(const IouCounts& a, const IouCounts& b);
inline bool operator!=(const IouCounts& a, const IouCounts& b) { return !(a == b); }

// Checks what every IouCounts built from images satisfies, so that counts read back from a file
// can be trusted: the four histograms have the same length, every count is >= 0, and for each
// class intersect <= min(pred, label) and union == pred + label - intersect. INVALID_ARGUMENT
// naming the first class that breaks a rule.
absl::Status ValidateIouCounts(const IouCounts& counts);

// total += counts, class by class. INVALID_ARGUMENT (and `total` unchanged) when the class counts
// differ or a sum would overflow int64.
absl::Status AddIouCounts(const IouCounts& counts, IouCounts& total);

}  // namespace itaclip::evaluation

#endif  // ITACLIP_CORE_EVALUATION_IOU_COUNTS_H_
