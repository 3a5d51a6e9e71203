// The evaluation's result as people read it (a per-class table with mIoU, mAcc and aAcc) and as
// programs read it (JSON). Both depend only on the settings and the counts, so a run resumed from
// the cache prints and writes exactly what a fresh run does.
#ifndef ITACLIP_CLIENT_EVAL_EVAL_REPORT_H_
#define ITACLIP_CLIENT_EVAL_EVAL_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/evaluation/iou_counts.h"
#include "core/evaluation/iou_metrics.h"

namespace itaclip::client {

// What was evaluated, and the dataset's summed counts.
struct EvalSummary {
  std::string mode;          // "in-process" or "server"
  std::string model;         // the checkpoint path, or the server's checkpoint name
  std::string server;        // host:port in server mode, else empty
  std::string preset;        // pipeline preset
  std::string layout;        // dataset layout
  std::string data_root;     // --data
  std::string settings_key;  // the cache key (16 hex digits), which names every setting
  bool reduce_zero_label = false;
  int ignore_index = 255;
  int64_t images = 0;
  int64_t dataset_images = 0;  // images the layout lists (images < this under --limit)
  std::vector<std::string> class_names;
  evaluation::IouCounts counts;
};

// The table: one row per class (index, name, IoU %, Acc %, ground-truth and predicted pixels, "nan"
// for 0/0), then "aAcc", "mIoU" and "mAcc" in percent with 2 decimals, as mmseg prints them.
std::string FormatResultTable(const EvalSummary& summary, const evaluation::IouMetrics& metrics);

// Pretty-printed JSON: the summary's fields, "aAcc"/"mIoU"/"mAcc" in percent (full precision; null
// for NaN), "classes_counted" and "classes": [{index, name, iou, acc, intersect, union, pred,
// label}], iou and acc in percent (null for NaN).
std::string FormatResultJson(const EvalSummary& summary, const evaluation::IouMetrics& metrics);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_EVAL_EVAL_REPORT_H_
