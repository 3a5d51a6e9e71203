// The vocabulary a command sends to the server, built from the command line: a class file
// (--classes, the offline command's format) or an inline list (--class_names), an optional
// description file, --background_first and --description_weight.
#ifndef ITACLIP_CLIENT_COMMANDS_VOCABULARY_INPUT_H_
#define ITACLIP_CLIENT_COMMANDS_VOCABULARY_INPUT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/text/vocabulary_spec.h"
#include "itaclip/v1/vocabulary.pb.h"

namespace itaclip::client {

// A vocabulary as the command line gives it.
struct VocabularyOptions {
  std::string classes_file;       // --classes: one class per line, names separated by ", "
  std::string class_names;        // --class_names: the inline list (ParseInlineClassNames)
  std::string descriptions_file;  // --descriptions: `name >=text` lines
  bool background_first = false;  // --background_first
  std::optional<double> description_weight;  // --description_weight; unset: the server's

  // True when --classes or --class_names is given.
  bool has_classes() const;
};

// Parses the inline syntax of --class_names: ';' separates classes and ',' separates the names of a
// class, as lines and ", " do in a class file; spaces around each name are dropped, so
// "background; person, man ;car" is [[background], [person, man], [car]]. A name cannot contain ';'
// or ',' (use a class file for those). INVALID_ARGUMENT (naming the 1-based class) for text with no
// classes, an empty class (";;", a leading or trailing ';') or an empty name ("cat,,kitten").
absl::StatusOr<std::vector<std::vector<std::string>>> ParseInlineClassNames(absl::string_view text);

// The wire form of `spec`. `description_weight` is left unset when absent, so that the server's
// default applies and the vocabulary gets the same id as one registered without it.
v1::VocabularyDefinition ToVocabularyDefinition(const text::VocabularySpec& spec,
                                                std::optional<double> description_weight);

// The vocabulary of --classes FILE or --class_names LIST (exactly one), --descriptions FILE
// (checked against the classes with core's parser), --background_first and --description_weight.
// INVALID_ARGUMENT when both or neither of --classes and --class_names are given, and the parsers'
// errors (prefixed with the flag or file at fault); NOT_FOUND for a missing file.
absl::StatusOr<v1::VocabularyDefinition> VocabularyDefinitionFrom(const VocabularyOptions& options);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_COMMANDS_VOCABULARY_INPUT_H_
