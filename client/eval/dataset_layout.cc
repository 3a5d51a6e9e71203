#include "client/eval/dataset_layout.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/input/read_file.h"
#include "core/common/status_macros.h"

namespace itaclip::client {
namespace {

namespace fs = std::filesystem;

// Spec §6, the "images / GT" row: mmseg's PascalVOCDataset, the repo's PascalContext60Dataset and
// COCOObjectDataset, mmseg's COCOStuffDataset and CityscapesDataset.
const std::vector<DatasetLayout>& Layouts() {
  static const auto* layouts = new std::vector<DatasetLayout>{
      // VOCdevkit/VOC2012: 1449 val images; GT are palette PNGs (indices, 255 = void).
      {"voc21", "JPEGImages", ".jpg", "SegmentationClass", ".png", "ImageSets/Segmentation/val.txt",
       false},
      // VOCdevkit/VOC2010 after mmseg's pascal_context converter: 5105 val images.
      {"context60", "JPEGImages", ".jpg", "SegmentationClassContext", ".png",
       "ImageSets/SegmentationContext/val.txt", false},
      // coco_stuff164k after ITACLIP's datasets/cvt_coco_object.py: 5000 val images.
      {"coco_object", "images/val2017", ".jpg", "annotations/val2017", "_instanceTrainIds.png", "",
       false},
      // coco_stuff164k after mmseg's coco_stuff164k converter: 5000 val images.
      {"coco_stuff", "images/val2017", ".jpg", "annotations/val2017", "_labelTrainIds.png", "",
       false},
      // cityscapes after cityscapesscripts' createTrainIdLabelImgs: 500 val images in city folders.
      {"cityscapes", "leftImg8bit/val", "_leftImg8bit.png", "gtFine/val",
       "_gtFine_labelTrainIds.png", "", false},
      // ../shared/data/voc-samples: N.jpg with its VOC ground truth N.mask.png beside it.
      {"voc_samples", "", ".jpg", "", ".mask.png", "", false},
  };
  return *layouts;
}

// root/dir/rest with empty parts left out (an empty part would add a trailing '/').
std::string Join(const std::string& root, const std::string& dir, const std::string& rest) {
  fs::path path(root);
  if (!dir.empty()) path /= dir;
  if (!rest.empty()) path /= rest;
  return path.lexically_normal().string();
}

// A split-file line is a path fragment that must stay under the image and label folders.
absl::Status CheckId(const std::string& id, const std::string& where) {
  const fs::path path(id);
  if (path.is_absolute()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": \"", id, "\" is an absolute path"));
  }
  for (const fs::path& part : path) {
    if (part == "..") {
      return absl::InvalidArgumentError(absl::StrCat(where, ": \"", id, "\" climbs out with .."));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> IdsFromSplitFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string content, ReadFileToString(path, "split file"));
  std::vector<std::string> ids;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    ++line_number;
    const std::string id(absl::StripAsciiWhitespace(line));
    if (id.empty()) continue;
    RETURN_IF_ERROR(CheckId(id, absl::StrCat(path, " line ", line_number)));
    ids.push_back(id);
  }
  return ids;
}

// mmseg without an ann_file: every file under the folder ending in the suffix, sorted by path.
absl::StatusOr<std::vector<std::string>> IdsFromFolder(const std::string& folder,
                                                       const std::string& suffix) {
  std::vector<std::string> relative_paths;
  std::error_code error;
  fs::recursive_directory_iterator it(folder, fs::directory_options::follow_directory_symlink,
                                      error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (!it->is_regular_file(error)) continue;
    const std::string relative = fs::relative(it->path(), folder, error).string();
    if (absl::EndsWith(relative, suffix) && relative.size() > suffix.size()) {
      relative_paths.push_back(relative);
    }
  }
  if (error) {
    return absl::NotFoundError(absl::StrCat("cannot list ", folder, ": ", error.message()));
  }
  std::sort(relative_paths.begin(), relative_paths.end());
  std::vector<std::string> ids;
  ids.reserve(relative_paths.size());
  for (const std::string& path : relative_paths) {
    ids.push_back(path.substr(0, path.size() - suffix.size()));
  }
  return ids;
}

absl::Status CheckFolder(const std::string& path, const DatasetLayout& layout) {
  std::error_code error;
  if (fs::is_directory(path, error)) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat("no folder ", path, " (the ", layout.name,
                                          " layout expects it under --data; see README.md, "
                                          "\"Evaluating on the datasets\")"));
}

}  // namespace

std::vector<std::string> DatasetLayoutNames() {
  std::vector<std::string> names;
  for (const DatasetLayout& layout : Layouts()) names.push_back(layout.name);
  return names;
}

absl::StatusOr<DatasetLayout> FindDatasetLayout(absl::string_view name) {
  for (const DatasetLayout& layout : Layouts()) {
    if (layout.name == name) return layout;
  }
  return absl::NotFoundError(absl::StrCat(
      "unknown dataset layout \"", name, "\"; known: ", absl::StrJoin(DatasetLayoutNames(), ", ")));
}

absl::StatusOr<std::vector<EvalSample>> ListSamples(const DatasetLayout& layout,
                                                    const std::string& root) {
  if (root.empty()) return absl::InvalidArgumentError("the dataset root is empty");
  RETURN_IF_ERROR(CheckFolder(root, layout));
  const std::string image_dir = Join(root, layout.image_dir, "");
  RETURN_IF_ERROR(CheckFolder(image_dir, layout));
  RETURN_IF_ERROR(CheckFolder(Join(root, layout.label_dir, ""), layout));
  std::vector<std::string> ids;
  if (!layout.split_file.empty()) {
    ASSIGN_OR_RETURN(ids, IdsFromSplitFile(Join(root, layout.split_file, "")));
  } else {
    ASSIGN_OR_RETURN(ids, IdsFromFolder(image_dir, layout.image_suffix));
  }
  if (ids.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the ", layout.name, " layout finds no images under ", root,
        layout.split_file.empty()
            ? absl::StrCat(" (files ", layout.image_dir, "/*", layout.image_suffix, ")")
            : absl::StrCat(" (the split file ", layout.split_file, " lists none)")));
  }

  std::vector<EvalSample> samples;
  samples.reserve(ids.size());
  std::vector<std::string> missing;
  for (const std::string& id : ids) {
    EvalSample sample{id, Join(root, layout.image_dir, id + layout.image_suffix),
                      Join(root, layout.label_dir, id + layout.label_suffix)};
    std::error_code error;
    for (const std::string* path : {&sample.image_path, &sample.label_path}) {
      if (!fs::is_regular_file(*path, error)) missing.push_back(*path);
    }
    samples.push_back(std::move(sample));
  }
  if (!missing.empty()) {
    return absl::NotFoundError(absl::StrCat(missing.size(), " of the ", 2 * samples.size(),
                                            " image and ground-truth files of ", layout.name,
                                            " under ", root, " are missing, e.g. ", missing[0]));
  }
  return samples;
}

}  // namespace itaclip::client
