#include "server/http/preset_vocabularies.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/pipeline/configs_folder.h"
#include "core/text/class_file.h"

namespace itaclip::server {
namespace {

std::string ClassFile(const PresetVocabularyFiles& files, const std::string& name) {
  return pipeline::ClassFileIn(files.configs_dir, name);
}

// The preset's description file, or "" when there is none.
std::string DescriptionFile(const PresetVocabularyFiles& files, const std::string& name) {
  if (files.descriptions_dir.empty()) return "";
  return pipeline::PublishedDescriptionFileIn(files.descriptions_dir, name).value_or("");
}

}  // namespace

v1::HttpPresetsResponse ListPresetVocabularies(
    const PresetVocabularyFiles& files,
    const std::map<std::string, pipeline::PipelineParams>& presets) {
  v1::HttpPresetsResponse response;
  for (const auto& [name, params] : presets) {
    const absl::StatusOr<text::VocabularySpec> spec =
        text::LoadVocabularySpec(ClassFile(files, name), "", params.background_first);
    if (!spec.ok()) continue;
    v1::HttpPreset& preset = *response.add_presets();
    preset.set_name(name);
    preset.set_num_classes(static_cast<int32_t>(spec->classes.size()));
    preset.set_has_descriptions(!DescriptionFile(files, name).empty());
  }
  return response;
}

absl::StatusOr<v1::VocabularyDefinition> PresetVocabulary(
    const PresetVocabularyFiles& files,
    const std::map<std::string, pipeline::PipelineParams>& presets, const std::string& name,
    bool with_descriptions) {
  const auto preset = presets.find(name);
  if (preset == presets.end()) {
    return absl::NotFoundError(absl::StrCat("no preset named '", name, "'"));
  }
  std::string description_file;
  if (with_descriptions) {
    description_file = DescriptionFile(files, name);
    if (description_file.empty()) {
      return absl::NotFoundError(absl::StrCat(
          "the server has no descriptions for preset '", name, "' (its descriptions_dir ",
          files.descriptions_dir.empty() ? "is not set" : "holds no such file", ")"));
    }
  }
  ASSIGN_OR_RETURN(const text::VocabularySpec spec,
                   text::LoadVocabularySpec(ClassFile(files, name), description_file,
                                            preset->second.background_first));
  v1::VocabularyDefinition definition;
  for (const text::ClassSpec& c : spec.classes) {
    v1::ClassDefinition& class_definition = *definition.add_classes();
    for (const std::string& class_name : c.names) class_definition.add_names(class_name);
    class_definition.set_description(c.description);
  }
  definition.set_background_first(spec.background_first);
  definition.mutable_text_params()->set_description_weight(preset->second.def_coefficient);
  return definition;
}

}  // namespace itaclip::server
