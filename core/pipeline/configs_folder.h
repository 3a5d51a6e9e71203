// Where a configs folder (configs/ in the source tree, --configs, the server's model.configs_dir)
// keeps the files the model bundle loads: one definition of the layout for every caller.
#ifndef ITACLIP_CORE_PIPELINE_CONFIGS_FOLDER_H_
#define ITACLIP_CORE_PIPELINE_CONFIGS_FOLDER_H_

#include <optional>
#include <string>

namespace itaclip::pipeline {

// <configs_dir>/presets: one NAME.conf per preset (preset_file.h).
std::string PresetsDirIn(const std::string& configs_dir);
// <configs_dir>/templates/openai_imagenet_80.txt: the prompt templates of every text embedding.
std::string TemplatesFileIn(const std::string& configs_dir);
// <configs_dir>/classes/NAME.txt: the class file of preset NAME's dataset.
std::string ClassFileIn(const std::string& configs_dir, const std::string& preset);

// In a folder of the published class descriptions (ITACLIP's llama_generated_texts/): preset
// NAME's NAME_definitions.txt, else its NAME_synonyms.txt; nullopt when it holds neither.
std::optional<std::string> PublishedDescriptionFileIn(const std::string& folder,
                                                      const std::string& preset);

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_CONFIGS_FOLDER_H_
