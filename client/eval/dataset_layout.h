// Where the images and the ground truth of each evaluation dataset live under its root folder
// (spec §6: the mmseg dataset classes the ITACLIP configs use), and the list of samples they give.
#ifndef ITACLIP_CLIENT_EVAL_DATASET_LAYOUT_H_
#define ITACLIP_CLIENT_EVAL_DATASET_LAYOUT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace itaclip::client {

// One dataset's folder layout, all paths relative to the root given with --data.
struct DatasetLayout {
  std::string name;          // voc21, context60, coco_object, coco_stuff, cityscapes, voc_samples
  std::string image_dir;     // e.g. "JPEGImages" ("" = the root itself)
  std::string image_suffix;  // e.g. ".jpg"; the image of sample `id` is image_dir/id + image_suffix
  std::string label_dir;     // e.g. "SegmentationClass"
  std::string label_suffix;  // e.g. ".png"; the ground truth is label_dir/id + label_suffix
  // One sample id per line, in evaluation order. Empty: every file under image_dir (recursively)
  // ending in image_suffix, sorted by path, as mmseg does without an ann_file.
  std::string split_file;
  // mmseg's reduce_zero_label (ground truth 0 ignored, the others shifted down by one). False for
  // all five ITACLIP datasets (spec §4.3, §7).
  bool reduce_zero_label = false;
};

// One image to evaluate.
struct EvalSample {
  std::string id;          // relative to image_dir, without the suffix (may contain '/')
  std::string image_path;  // root/image_dir/id + image_suffix
  std::string label_path;  // root/label_dir/id + label_suffix
};

// The names FindDatasetLayout knows, in a fixed order.
std::vector<std::string> DatasetLayoutNames();

// The layout called `name`; NOT_FOUND listing the known names otherwise.
absl::StatusOr<DatasetLayout> FindDatasetLayout(absl::string_view name);

// The samples of `layout` under `root`, in evaluation order. Every image and every ground-truth
// file must exist: NOT_FOUND naming the root or folder that is missing, or how many files are
// missing and the first of them (so that a wrong --data fails at once, not after hours).
// INVALID_ARGUMENT for a split file line that is absolute or climbs out with "..", and for a
// layout that yields no samples.
absl::StatusOr<std::vector<EvalSample>> ListSamples(const DatasetLayout& layout,
                                                    const std::string& root);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_EVAL_DATASET_LAYOUT_H_
