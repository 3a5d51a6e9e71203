// Class-name files (spec §3.1) and auxiliary-text files (spec §3.3), and the
// vocabulary built from them.
#ifndef ITACLIP_CORE_TEXT_CLASS_FILE_H_
#define ITACLIP_CORE_TEXT_CLASS_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/text/vocabulary_spec.h"

namespace itaclip::text {

// Parses a class-name file as ITACLIP's get_cls_idx does: line i is class i;
// each line is split on the exact two-character separator ", " and every piece
// is one name (query), kept byte-exact apart from the removal of '\n' (and of
// one '\r' that ends a line, for files with Windows line ends). Other
// whitespace is kept ("wood " keeps its trailing space; the tokenizer drops it
// later). A final '\n' ends the last line and does not start an empty class.
// Errors: INVALID_ARGUMENT for content with no classes, or an empty name (an
// empty line, or a line that starts or ends with ", " or holds ", , "); the
// message gives the 1-based line number. Thread-safe (pure function).
absl::StatusOr<std::vector<std::vector<std::string>>> ParseClassNames(absl::string_view content);

// Parses an auxiliary-text file (definitions or synonyms, spec §3.3) against
// the parsed class names. Each line is "<name> >=<text>"; as in ITACLIP the
// line is split on ">=" and the text is field [1], not stripped (a line with a
// second ">=" keeps only the text before it, as the reference does). With
// `background_first`, class 0 has no line and line j belongs to class j+1;
// otherwise line j belongs to class j. Returns one text per class, the empty
// string for the background class. Errors (INVALID_ARGUMENT, the message gives
// the 1-based line number): a line count that differs from the number of
// classes that need one; a line without ">="; a line whose name field differs
// from the first name of its class (both compared without trailing spaces, as
// "wood " in context60 is written "wood >=..."), or with `background_first` and
// no classes at all. Thread-safe (pure function).
absl::StatusOr<std::vector<std::string>> ParseDescriptions(
    absl::string_view content, const std::vector<std::vector<std::string>>& class_names,
    bool background_first);

// Reads `class_file` and, unless `description_file` is empty,
// `description_file`, and combines them with the two parsers above. Errors:
// NOT_FOUND for a missing file, the parsers' INVALID_ARGUMENT; every message is
// prefixed with the path of the file at fault. Thread-safe.
absl::StatusOr<VocabularySpec> LoadVocabularySpec(const std::string& class_file,
                                                  const std::string& description_file,
                                                  bool background_first);

}  // namespace itaclip::text

#endif  // ITACLIP_CORE_TEXT_CLASS_FILE_H_
