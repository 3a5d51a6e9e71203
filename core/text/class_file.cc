#include "core/text/class_file.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/common/status_macros.h"
#include "core/text/read_text_file.h"

namespace itaclip::text {
namespace {

// Python's readlines(): a final '\n' ends the last line rather than starting an
// empty one. A '\r' before the '\n' is dropped because Python's text mode would
// have turned "\r\n" into "\n".
std::vector<absl::string_view> SplitLines(absl::string_view content) {
  std::vector<absl::string_view> lines = absl::StrSplit(content, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  for (absl::string_view& line : lines) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  }
  return lines;
}

absl::string_view StripTrailingSpaces(absl::string_view s) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

absl::Status WithPath(const absl::Status& status, const std::string& path) {
  return absl::Status(status.code(), absl::StrCat(path, ": ", status.message()));
}

}  // namespace

absl::StatusOr<std::vector<std::vector<std::string>>> ParseClassNames(absl::string_view content) {
  const std::vector<absl::string_view> lines = SplitLines(content);
  if (lines.empty()) {
    return absl::InvalidArgumentError("class-name file has no classes (it is empty)");
  }
  std::vector<std::vector<std::string>> classes;
  classes.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    std::vector<std::string> names = absl::StrSplit(lines[i], absl::ByString(", "));
    for (const std::string& name : names) {
      if (name.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("class-name file line ", i + 1, " (class ",
                                                       i, "): empty class name in \"", lines[i],
                                                       "\""));
      }
    }
    classes.push_back(std::move(names));
  }
  return classes;
}

absl::StatusOr<std::vector<std::string>> ParseDescriptions(
    absl::string_view content, const std::vector<std::vector<std::string>>& class_names,
    bool background_first) {
  const size_t first_class = background_first ? 1 : 0;
  if (class_names.size() < first_class) {
    return absl::InvalidArgumentError("no classes: a background-first vocabulary needs class 0");
  }
  const size_t expected_lines = class_names.size() - first_class;
  const std::vector<absl::string_view> lines = SplitLines(content);
  if (lines.size() != expected_lines) {
    return absl::InvalidArgumentError(absl::StrCat(
        "description file has ", lines.size(), " lines but needs ", expected_lines,
        " (one per class", background_first ? ", none for the background class 0" : "", ")"));
  }
  std::vector<std::string> descriptions(class_names.size());
  for (size_t j = 0; j < lines.size(); ++j) {
    const size_t cls = j + first_class;
    const std::vector<absl::string_view> fields = absl::StrSplit(lines[j], absl::ByString(">="));
    if (fields.size() < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("description file line ", j + 1, ": no \">=\" in \"", lines[j], "\""));
    }
    const absl::string_view name = StripTrailingSpaces(fields[0]);
    const absl::string_view expected = class_names[cls].empty()
                                           ? absl::string_view()
                                           : StripTrailingSpaces(class_names[cls].front());
    if (name != expected) {
      return absl::InvalidArgumentError(absl::StrCat("description file line ", j + 1, ": name \"",
                                                     name, "\" does not match the first name \"",
                                                     expected, "\" of class ", cls));
    }
    descriptions[cls] = std::string(fields[1]);
  }
  return descriptions;
}

absl::StatusOr<VocabularySpec> LoadVocabularySpec(const std::string& class_file,
                                                  const std::string& description_file,
                                                  bool background_first) {
  ASSIGN_OR_RETURN(const std::string class_content, ReadTextFile(class_file));
  absl::StatusOr<std::vector<std::vector<std::string>>> names = ParseClassNames(class_content);
  if (!names.ok()) return WithPath(names.status(), class_file);

  VocabularySpec spec;
  spec.background_first = background_first;
  std::vector<std::string> descriptions(names->size());
  if (!description_file.empty()) {
    ASSIGN_OR_RETURN(const std::string description_content, ReadTextFile(description_file));
    absl::StatusOr<std::vector<std::string>> parsed =
        ParseDescriptions(description_content, *names, background_first);
    if (!parsed.ok()) return WithPath(parsed.status(), description_file);
    descriptions = *std::move(parsed);
  }
  spec.classes.reserve(names->size());
  for (size_t i = 0; i < names->size(); ++i) {
    spec.classes.push_back(ClassSpec{std::move((*names)[i]), std::move(descriptions[i])});
  }
  return spec;
}

}  // namespace itaclip::text
