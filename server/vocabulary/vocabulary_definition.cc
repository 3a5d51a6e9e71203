#include "server/vocabulary/vocabulary_definition.h"

#include <string>
#include <vector>

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

absl::Status ValidateVocabulary(const Vocabulary& vocabulary, const Limits& limits) {
  const std::vector<text::ClassSpec>& classes = vocabulary.spec.classes;
  if (classes.empty()) {
    return absl::InvalidArgumentError("the vocabulary has no classes");
  }
  if (static_cast<int64_t>(classes.size()) > limits.max_classes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("the vocabulary has %d classes; the limit (max_classes) is %d",
                        classes.size(), limits.max_classes));
  }
  for (size_t c = 0; c < classes.size(); ++c) {
    const text::ClassSpec& cls = classes[c];
    if (cls.names.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat("class %d has no names", c));
    }
    if (static_cast<int64_t>(cls.names.size()) > limits.max_names_per_class) {
      return absl::InvalidArgumentError(
          absl::StrFormat("class %d has %d names; the limit (max_names_per_class) is %d", c,
                          cls.names.size(), limits.max_names_per_class));
    }
    for (size_t n = 0; n < cls.names.size(); ++n) {
      const std::string what = absl::StrFormat("name %d of class %d", n, c);
      if (absl::Status status = ValidateText(cls.names[n], limits, what); !status.ok()) {
        return status;
      }
      if (absl::Status status = text::CheckHasTextOnceCleaned(cls.names[n]); !status.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(what, ": ", status.message()));
      }
    }
    if (absl::Status status = ValidateText(cls.description, limits,
                                           absl::StrFormat("the description of class %d", c));
        !status.ok()) {
      return status;
    }
  }
  if (vocabulary.description_weight.has_value()) {
    const double weight = *vocabulary.description_weight;
    if (!(weight >= 0.0 && weight <= 1.0)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("text_params.description_weight is %g; it must be in [0, 1]", weight));
    }
  }
  return absl::OkStatus();
}

double DescriptionWeight(const Vocabulary& vocabulary, double unset_weight) {
  return vocabulary.description_weight.value_or(unset_weight);
}

VocabularySize SizeOf(const Vocabulary& vocabulary) {
  VocabularySize size;
  size.num_classes = static_cast<int>(vocabulary.spec.classes.size());
  // The weight the request will use is not known here (an unset one is the preset's): count what
  // any positive weight blends, an upper bound.
  constexpr double kAnyPositiveWeight = 1.0;
  for (size_t c = 0; c < vocabulary.spec.classes.size(); ++c) {
    size.num_queries += static_cast<int>(vocabulary.spec.classes[c].names.size());
    if (text::IsDescriptionBlended(vocabulary.spec, c, kAnyPositiveWeight)) {
      ++size.num_descriptions;
    }
  }
  return size;
}

}  // namespace itaclip::server
