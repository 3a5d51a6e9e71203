#include "client/commands/vocabulary_input.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/input/read_file.h"
#include "core/common/status_macros.h"
#include "core/text/class_file.h"

namespace itaclip::client {
namespace {

// --class_names with --descriptions: the description file is parsed against the inline names by
// the same core parser the class-file path uses.
absl::StatusOr<text::VocabularySpec> InlineVocabularySpec(const std::string& class_names,
                                                          const std::string& description_file,
                                                          bool background_first) {
  absl::StatusOr<std::vector<std::vector<std::string>>> names = ParseInlineClassNames(class_names);
  if (!names.ok()) {
    return absl::Status(names.status().code(),
                        absl::StrCat("--class_names: ", names.status().message()));
  }
  text::VocabularySpec spec;
  spec.background_first = background_first;
  for (std::vector<std::string>& class_names_of_one : *names) {
    spec.classes.push_back(text::ClassSpec{std::move(class_names_of_one), ""});
  }
  if (description_file.empty()) return spec;
  ASSIGN_OR_RETURN(std::string content, ReadFileToString(description_file, "description file"));
  std::vector<std::vector<std::string>> class_name_lists;
  for (const text::ClassSpec& c : spec.classes) class_name_lists.push_back(c.names);
  absl::StatusOr<std::vector<std::string>> descriptions =
      text::ParseDescriptions(content, class_name_lists, background_first);
  if (!descriptions.ok()) {
    return absl::Status(descriptions.status().code(),
                        absl::StrCat(description_file, ": ", descriptions.status().message()));
  }
  for (size_t i = 0; i < spec.classes.size(); ++i) {
    spec.classes[i].description = std::move((*descriptions)[i]);
  }
  return spec;
}

}  // namespace

absl::StatusOr<std::vector<std::vector<std::string>>> ParseInlineClassNames(
    absl::string_view text) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError("no classes (the list is empty)");
  }
  std::vector<std::vector<std::string>> classes;
  for (absl::string_view class_text : absl::StrSplit(text, ';')) {
    const size_t class_number = classes.size() + 1;
    if (absl::StripAsciiWhitespace(class_text).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("class ", class_number, " is empty (two ';' in a row, or a ';' at an end)"));
    }
    std::vector<std::string> names;
    for (absl::string_view name : absl::StrSplit(class_text, ',')) {
      name = absl::StripAsciiWhitespace(name);
      if (name.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("class ", class_number, " (\"", absl::StripAsciiWhitespace(class_text),
                         "\") has an empty name (two ',' in a row, or a ',' at an end)"));
      }
      names.emplace_back(name);
    }
    classes.push_back(std::move(names));
  }
  return classes;
}

v1::VocabularyDefinition ToVocabularyDefinition(const text::VocabularySpec& spec,
                                                std::optional<double> description_weight) {
  v1::VocabularyDefinition definition;
  for (const text::ClassSpec& c : spec.classes) {
    v1::ClassDefinition* class_definition = definition.add_classes();
    for (const std::string& name : c.names) class_definition->add_names(name);
    class_definition->set_description(c.description);
  }
  definition.set_background_first(spec.background_first);
  if (description_weight.has_value()) {
    definition.mutable_text_params()->set_description_weight(*description_weight);
  }
  return definition;
}

bool VocabularyOptions::has_classes() const {
  return !classes_file.empty() || !class_names.empty();
}

absl::StatusOr<v1::VocabularyDefinition> VocabularyDefinitionFrom(
    const VocabularyOptions& options) {
  const std::string& class_file = options.classes_file;
  const std::string& class_names = options.class_names;
  const std::string& description_file = options.descriptions_file;
  const bool background_first = options.background_first;
  if (!class_file.empty() && !class_names.empty()) {
    return absl::InvalidArgumentError("give --classes FILE or --class_names LIST, not both");
  }
  if (class_file.empty() && class_names.empty()) {
    return absl::InvalidArgumentError("--classes FILE or --class_names LIST is required");
  }
  text::VocabularySpec spec;
  if (!class_file.empty()) {
    ASSIGN_OR_RETURN(spec,
                     text::LoadVocabularySpec(class_file, description_file, background_first));
  } else {
    ASSIGN_OR_RETURN(spec, InlineVocabularySpec(class_names, description_file, background_first));
  }
  return ToVocabularyDefinition(spec, options.description_weight);
}

}  // namespace itaclip::client
