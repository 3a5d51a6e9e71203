#include "core/evaluation/iou_counts.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"

namespace itaclip::evaluation {

IouCounts IouCounts::Zeros(int num_classes) {
  const size_t n = static_cast<size_t>(std::max(num_classes, 0));
  IouCounts counts;
  counts.area_intersect.assign(n, 0);
  counts.area_union.assign(n, 0);
  counts.area_pred_label.assign(n, 0);
  counts.area_label.assign(n, 0);
  return counts;
}

bool operator==(const IouCounts& a, const IouCounts& b) {
  return a.area_intersect == b.area_intersect && a.area_union == b.area_union &&
         a.area_pred_label == b.area_pred_label && a.area_label == b.area_label;
}

absl::Status ValidateIouCounts(const IouCounts& counts) {
  const size_t n = counts.area_intersect.size();
  if (counts.area_union.size() != n || counts.area_pred_label.size() != n ||
      counts.area_label.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("the histograms have different lengths: intersect ", n, ", union ",
                     counts.area_union.size(), ", pred ", counts.area_pred_label.size(), ", label ",
                     counts.area_label.size()));
  }
  for (size_t c = 0; c < n; ++c) {
    const int64_t intersect = counts.area_intersect[c];
    const int64_t pred = counts.area_pred_label[c];
    const int64_t label = counts.area_label[c];
    if (intersect < 0 || pred < 0 || label < 0 || counts.area_union[c] < 0) {
      return absl::InvalidArgumentError(absl::StrCat("class ", c, " has a negative count"));
    }
    if (intersect > std::min(pred, label)) {
      return absl::InvalidArgumentError(absl::StrCat("class ", c, ": intersection ", intersect,
                                                     " exceeds the predicted area ", pred,
                                                     " or the labelled area ", label));
    }
    // Checked before adding so that absurd counts read from a file cannot overflow.
    if (pred > std::numeric_limits<int64_t>::max() - label ||
        counts.area_union[c] != pred + label - intersect) {
      return absl::InvalidArgumentError(absl::StrCat("class ", c, ": union ", counts.area_union[c],
                                                     " is not pred ", pred, " + label ", label,
                                                     " - intersection ", intersect));
    }
  }
  return absl::OkStatus();
}

absl::Status AddIouCounts(const IouCounts& counts, IouCounts& total) {
  const size_t n = total.area_intersect.size();
  for (const IouCounts* each : {&counts, static_cast<const IouCounts*>(&total)}) {
    if (each->area_intersect.size() != n || each->area_union.size() != n ||
        each->area_pred_label.size() != n || each->area_label.size() != n) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot add counts of ", counts.area_intersect.size(), " classes to counts of ", n,
          " classes (or a histogram has another length)"));
    }
  }
  const auto fits = [](const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] > 0 && b[i] > std::numeric_limits<int64_t>::max() - a[i]) return false;
    }
    return true;
  };
  if (!fits(counts.area_intersect, total.area_intersect) ||
      !fits(counts.area_union, total.area_union) ||
      !fits(counts.area_pred_label, total.area_pred_label) ||
      !fits(counts.area_label, total.area_label)) {
    return absl::InvalidArgumentError("adding the counts would overflow int64");
  }
  for (int c = 0; c < counts.num_classes(); ++c) {
    total.area_intersect[c] += counts.area_intersect[c];
    total.area_union[c] += counts.area_union[c];
    total.area_pred_label[c] += counts.area_pred_label[c];
    total.area_label[c] += counts.area_label[c];
  }
  return absl::OkStatus();
}

}  // namespace itaclip::evaluation
