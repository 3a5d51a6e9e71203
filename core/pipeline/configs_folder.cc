#include "core/pipeline/configs_folder.h"

namespace itaclip::pipeline {

// Plain concatenation, not std::filesystem::path: error messages name the folder as given.
std::string PresetsDirIn(const std::string& configs_dir) { return configs_dir + "/presets"; }

std::string TemplatesFileIn(const std::string& configs_dir) {
  return configs_dir + "/templates/openai_imagenet_80.txt";
}

std::string ClassFileIn(const std::string& configs_dir, const std::string& preset) {
  return configs_dir + "/classes/" + preset + ".txt";
}

}  // namespace itaclip::pipeline
