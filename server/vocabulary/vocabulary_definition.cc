#include "server/vocabulary/vocabulary_definition.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/text/text_cleaner.h"
#include "core/text/utf8.h"

namespace itaclip::server {
namespace {

// Checks one name or description; `what` says where it is, for the message.
absl::Status ValidateText(const std::string& text, const Limits& limits, const std::string& what) {
  if (static_cast<int64_t>(text.size()) > limits.max_text_bytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s is %d bytes; the limit (max_text_bytes) is %d", what, text.size(),
                        limits.max_text_bytes));
  }
  if (!text::DecodeUtf8(text).ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is not valid UTF-8"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateVocabularyDefinition(const v1::VocabularyDefinition& definition,
                                          const Limits& limits) {
  if (definition.classes_size() == 0) {
    return absl::InvalidArgumentError("the vocabulary has no classes");
  }
  if (definition.classes_size() > limits.max_classes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("the vocabulary has %d classes; the limit (max_classes) is %d",
                        definition.classes_size(), limits.max_classes));
  }
  for (int c = 0; c < definition.classes_size(); ++c) {
    const v1::ClassDefinition& cls = definition.classes(c);
    if (cls.names_size() == 0) {
      return absl::InvalidArgumentError(absl::StrFormat("class %d has no names", c));
    }
    if (cls.names_size() > limits.max_names_per_class) {
      return absl::InvalidArgumentError(
          absl::StrFormat("class %d has %d names; the limit (max_names_per_class) is %d", c,
                          cls.names_size(), limits.max_names_per_class));
    }
    for (int n = 0; n < cls.names_size(); ++n) {
      const std::string what = absl::StrFormat("name %d of class %d", n, c);
      if (absl::Status status = ValidateText(cls.names(n), limits, what); !status.ok()) {
        return status;
      }
      if (absl::Status status = text::CheckHasTextOnceCleaned(cls.names(n)); !status.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(what, ": ", status.message()));
      }
    }
    if (absl::Status status = ValidateText(cls.description(), limits,
                                           absl::StrFormat("the description of class %d", c));
        !status.ok()) {
      return status;
    }
  }
  const double weight = definition.text_params().description_weight();
  if (definition.text_params().has_description_weight() && !(weight >= 0.0 && weight <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("text_params.description_weight is %g; it must be in [0, 1]", weight));
  }
  return absl::OkStatus();
}

double DescriptionWeight(const v1::VocabularyDefinition& definition, double unset_weight) {
  return definition.text_params().has_description_weight()
             ? definition.text_params().description_weight()
             : unset_weight;
}

text::VocabularySpec ToVocabularySpec(const v1::VocabularyDefinition& definition) {
  text::VocabularySpec spec;
  spec.background_first = definition.background_first();
  spec.classes.reserve(definition.classes_size());
  for (const v1::ClassDefinition& cls : definition.classes()) {
    text::ClassSpec& out = spec.classes.emplace_back();
    out.names.assign(cls.names().begin(), cls.names().end());
    out.description = cls.description();
  }
  return spec;
}

VocabularySize SizeOf(const v1::VocabularyDefinition& definition) {
  return VocabularySize{definition.classes_size(), CountQueries(definition)};
}

int CountQueries(const v1::VocabularyDefinition& definition) {
  int queries = 0;
  for (const v1::ClassDefinition& cls : definition.classes()) queries += cls.names_size();
  return queries;
}

}  // namespace itaclip::server
