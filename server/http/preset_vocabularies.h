// The presets' class lists as vocabularies, for the web page's "pick a preset": the class file of
// preset NAME is <configs_dir>/classes/NAME.txt (what `itaclip --preset NAME` reads), its
// descriptions <descriptions_dir>/NAME_definitions.txt or NAME_synonyms.txt (the published layout
// of ITACLIP's llama_generated_texts/), with the preset's background_first and def_coefficient.
#ifndef ITACLIP_SERVER_HTTP_PRESET_VOCABULARIES_H_
#define ITACLIP_SERVER_HTTP_PRESET_VOCABULARIES_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "core/pipeline/pipeline_params.h"
#include "itaclip/v1/http_api.pb.h"
#include "itaclip/v1/vocabulary.pb.h"

namespace itaclip::server {

struct PresetVocabularyFiles {
  std::string configs_dir;
  std::string descriptions_dir;  // empty: no descriptions
};

// Every preset that has a class file, sorted by name, with its class count and whether its
// descriptions are there. Presets whose class file cannot be read are left out.
v1::HttpPresetsResponse ListPresetVocabularies(
    const PresetVocabularyFiles& files,
    const std::map<std::string, pipeline::PipelineParams>& presets);

// Preset `name`'s vocabulary, with its descriptions when `with_descriptions`. NOT_FOUND for an
// unknown preset, one without a class file, or descriptions asked for and absent; the class and
// description parsers' INVALID_ARGUMENT.
absl::StatusOr<v1::VocabularyDefinition> PresetVocabulary(
    const PresetVocabularyFiles& files,
    const std::map<std::string, pipeline::PipelineParams>& presets, const std::string& name,
    bool with_descriptions);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_HTTP_PRESET_VOCABULARIES_H_
