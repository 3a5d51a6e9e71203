#include "core/pipeline/configs_folder.h"

#include <filesystem>
#include <system_error>

namespace itaclip::pipeline {

// Plain concatenation, not std::filesystem::path: error messages name the folder as given.
std::string PresetsDirIn(const std::string& configs_dir) { return configs_dir + "/presets"; }

std::string TemplatesFileIn(const std::string& configs_dir) {
  return configs_dir + "/templates/openai_imagenet_80.txt";
}

std::string ClassFileIn(const std::string& configs_dir, const std::string& preset) {
  return configs_dir + "/classes/" + preset + ".txt";
}

std::optional<std::string> PublishedDescriptionFileIn(const std::string& folder,
                                                      const std::string& preset) {
  for (const char* suffix : {"_definitions.txt", "_synonyms.txt"}) {
    const std::string path = folder + "/" + preset + suffix;
    std::error_code error;
    if (std::filesystem::is_regular_file(path, error)) return path;
  }
  return std::nullopt;
}

}  // namespace itaclip::pipeline
