#include "client/eval/eval_settings.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/eval/stable_hash.h"

namespace itaclip::client {
namespace {

constexpr char kHeader[] = "itaclip eval settings, version 1\n";

std::string Number(double value) { return absl::StrFormat("%.17g", value); }

void AddString(StableHasher& hasher, const std::string& text) {
  hasher.Add(absl::StrCat(text.size(), ":")).Add(text);
}

std::string DatasetLine(const DatasetSettings& dataset) {
  std::error_code error;
  std::filesystem::path root = std::filesystem::absolute(dataset.root, error);
  if (error) root = dataset.root;
  return absl::StrCat("dataset: layout=", dataset.layout,
                      " root=", root.lexically_normal().string(),
                      " reduce_zero_label=", dataset.reduce_zero_label ? "true" : "false",
                      " ignore_index=", dataset.ignore_index, "\n");
}

}  // namespace

std::string FormatResultParams(const pipeline::PipelineParams& params) {
  return absl::StrCat("short_side=", params.short_side, " long_side_limit=", params.long_side_limit,
                      " crop_size=", params.crop_size, " stride=", params.stride,
                      " background_first=", params.background_first ? "true" : "false",
                      " def_coefficient=", Number(params.def_coefficient),
                      " img_eng_coefficient=", Number(params.img_eng_coefficient),
                      " logit_scale=", Number(params.logit_scale),
                      " prob_thd=", Number(params.prob_thd),
                      " area_thd=", params.area_thd.has_value() ? Number(*params.area_thd) : "none",
                      " pamr_steps=", params.pamr_steps,
                      " pamr_dilations=", absl::StrJoin(params.pamr_dilations, ","));
}

std::string HashVocabulary(const text::VocabularySpec& vocabulary) {
  StableHasher hasher;
  hasher.Add(vocabulary.background_first ? "bg1;" : "bg0;");
  AddString(hasher, absl::StrCat(vocabulary.classes.size()));
  for (const text::ClassSpec& c : vocabulary.classes) {
    AddString(hasher, absl::StrCat(c.names.size()));
    for (const std::string& name : c.names) AddString(hasher, name);
    AddString(hasher, c.description);
  }
  return hasher.HexDigest();
}

std::string LocalSettingsText(const std::string& checkpoint_content_hash,
                              const std::string& device_and_dtype, const std::string& preset,
                              const pipeline::PipelineParams& params,
                              const text::VocabularySpec& vocabulary,
                              const std::string& templates_content_hash,
                              const DatasetSettings& dataset) {
  return absl::StrCat(kHeader, "mode: in-process\n", "checkpoint content: fnv64 ",
                      checkpoint_content_hash, "\n", "device: ", device_and_dtype, "\n",
                      "preset: ", preset, "\n", "params: ", FormatResultParams(params), "\n",
                      "vocabulary: ", vocabulary.classes.size(), " classes, fnv64 ",
                      HashVocabulary(vocabulary), "\n", "templates content: fnv64 ",
                      templates_content_hash, "\n", DatasetLine(dataset));
}

std::string RemoteSettingsText(const v1::ServerInfo& server, const std::string& preset,
                               const std::map<std::string, std::string>& overrides,
                               const std::string& vocabulary_id, const DatasetSettings& dataset) {
  std::vector<std::string> pairs;
  for (const auto& [key, value] : overrides) pairs.push_back(absl::StrCat(key, "=", value));
  return absl::StrCat(kHeader, "mode: server\n", "server: version=", server.version(),
                      " checkpoint=", server.model().checkpoint(),
                      " architecture=", server.model().architecture(),
                      " dtype=", server.model().dtype(), " device=", server.device(), "\n",
                      "preset: ", preset.empty() ? server.default_preset() : preset, "\n",
                      "overrides: ", absl::StrJoin(pairs, " "), "\n", "vocabulary: ", vocabulary_id,
                      "\n", DatasetLine(dataset));
}

}  // namespace itaclip::client
