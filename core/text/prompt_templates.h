// Prompt templates (spec §3.2): "a photo of a {}." with "{}" standing for a
// query name or an auxiliary text.
#ifndef ITACLIP_CORE_TEXT_PROMPT_TEMPLATES_H_
#define ITACLIP_CORE_TEXT_PROMPT_TEMPLATES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace itaclip::text {

// Parses template-file content: one template per line, kept byte-exact apart
// from the line end ('\n', or "\r\n"); a final '\n' does not start an empty
// template. Each template must contain "{}" exactly once and no other '{' or
// '}', so that FillTemplate agrees with Python's str.format. Errors:
// INVALID_ARGUMENT naming the 1-based line, or for content with no templates.
// Thread-safe (pure function).
absl::StatusOr<std::vector<std::string>> ParsePromptTemplates(absl::string_view content);

// Reads the file at `path` and parses it with ParsePromptTemplates. Errors:
// NOT_FOUND for a missing file; the parser's INVALID_ARGUMENT, prefixed with
// the path. Thread-safe.
absl::StatusOr<std::vector<std::string>> LoadPromptTemplates(const std::string& path);

// Returns `tmpl` with its first "{}" replaced by `text` (the template unchanged
// if it has none). For a template accepted by ParsePromptTemplates this equals
// Python's tmpl.format(text).
std::string FillTemplate(absl::string_view tmpl, absl::string_view text);

}  // namespace itaclip::text

#endif  // ITACLIP_CORE_TEXT_PROMPT_TEMPLATES_H_
