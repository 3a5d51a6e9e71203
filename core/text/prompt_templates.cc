#include "core/text/prompt_templates.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/common/status_macros.h"
#include "core/text/read_text_file.h"

namespace itaclip::text {

absl::StatusOr<std::vector<std::string>> ParsePromptTemplates(absl::string_view content) {
  std::vector<absl::string_view> lines = absl::StrSplit(content, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) return absl::InvalidArgumentError("template file has no templates");
  std::vector<std::string> templates;
  templates.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::string_view line = lines[i];
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t slot = line.find("{}");
    size_t braces = 0;
    for (const char c : line) braces += (c == '{' || c == '}') ? 1 : 0;
    if (slot == absl::string_view::npos || braces != 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "template file line ", i + 1, ": a template needs \"{}\" exactly once and no ",
          "other braces, got \"", line, "\""));
    }
    templates.emplace_back(line);
  }
  return templates;
}

absl::StatusOr<std::vector<std::string>> LoadPromptTemplates(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string content, ReadTextFile(path));
  absl::StatusOr<std::vector<std::string>> templates = ParsePromptTemplates(content);
  if (!templates.ok()) {
    return absl::Status(templates.status().code(),
                        absl::StrCat(path, ": ", templates.status().message()));
  }
  return templates;
}

std::string FillTemplate(absl::string_view tmpl, absl::string_view text) {
  const size_t slot = tmpl.find("{}");
  if (slot == absl::string_view::npos) return std::string(tmpl);
  return absl::StrCat(tmpl.substr(0, slot), text, tmpl.substr(slot + 2));
}

}  // namespace itaclip::text
