#include "client/eval/eval_report.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace itaclip::client {
namespace {

std::string Percent(double fraction) {
  return std::isnan(fraction) ? std::string("nan") : absl::StrFormat("%.2f", 100.0 * fraction);
}

nlohmann::ordered_json PercentOrNull(double fraction) {
  return std::isnan(fraction) ? nlohmann::ordered_json(nullptr)
                              : nlohmann::ordered_json(100.0 * fraction);
}

}  // namespace

std::string FormatResultTable(const EvalSummary& summary, const evaluation::IouMetrics& metrics) {
  size_t name_width = 5;
  for (const std::string& name : summary.class_names)
    name_width = std::max(name_width, name.size());
  const int width = static_cast<int>(name_width);
  std::string table = absl::StrFormat("%5s  %-*s  %7s  %7s  %12s  %12s\n", "class", width, "name",
                                      "IoU", "Acc", "gt_pixels", "pred_pixels");
  for (int c = 0; c < summary.counts.num_classes(); ++c) {
    const std::string name = c < static_cast<int>(summary.class_names.size())
                                 ? summary.class_names[c]
                                 : absl::StrCat("class", c);
    absl::StrAppend(
        &table, absl::StrFormat("%5d  %-*s  %7s  %7s  %12d  %12d\n", c, width, name,
                                Percent(metrics.iou[c]), Percent(metrics.accuracy[c]),
                                summary.counts.area_label[c], summary.counts.area_pred_label[c]));
  }
  absl::StrAppend(&table,
                  absl::StrFormat("images: %d of %d (%s, layout %s)\n", summary.images,
                                  summary.dataset_images, summary.preset, summary.layout),
                  absl::StrFormat("classes counted in mIoU: %d of %d\n", metrics.iou_classes,
                                  summary.counts.num_classes()),
                  "aAcc: ", Percent(metrics.all_accuracy), "\n",
                  "mIoU: ", Percent(metrics.mean_iou), "\n",
                  "mAcc: ", Percent(metrics.mean_accuracy), "\n");
  return table;
}

std::string FormatResultJson(const EvalSummary& summary, const evaluation::IouMetrics& metrics) {
  nlohmann::ordered_json json;
  json["mode"] = summary.mode;
  json["model"] = summary.model;
  if (!summary.server.empty()) json["server"] = summary.server;
  json["preset"] = summary.preset;
  json["layout"] = summary.layout;
  json["data"] = summary.data_root;
  json["settings_key"] = summary.settings_key;
  json["reduce_zero_label"] = summary.reduce_zero_label;
  json["ignore_index"] = summary.ignore_index;
  json["images"] = summary.images;
  json["dataset_images"] = summary.dataset_images;
  json["aAcc"] = PercentOrNull(metrics.all_accuracy);
  json["mIoU"] = PercentOrNull(metrics.mean_iou);
  json["mAcc"] = PercentOrNull(metrics.mean_accuracy);
  json["classes_counted"] = metrics.iou_classes;
  nlohmann::ordered_json classes = nlohmann::ordered_json::array();
  for (int c = 0; c < summary.counts.num_classes(); ++c) {
    nlohmann::ordered_json row;
    row["index"] = c;
    row["name"] = c < static_cast<int>(summary.class_names.size()) ? summary.class_names[c] : "";
    row["iou"] = PercentOrNull(metrics.iou[c]);
    row["acc"] = PercentOrNull(metrics.accuracy[c]);
    row["intersect"] = summary.counts.area_intersect[c];
    row["union"] = summary.counts.area_union[c];
    row["pred"] = summary.counts.area_pred_label[c];
    row["label"] = summary.counts.area_label[c];
    classes.push_back(std::move(row));
  }
  json["classes"] = std::move(classes);
  // Invalid UTF-8 in a class name is replaced rather than thrown on: the report must be written.
  return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace itaclip::client
