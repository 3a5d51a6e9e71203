// The wire/store form of a vocabulary (v1::VocabularyDefinition) against core's
// text::VocabularySpec: validation against the limits, and conversion.
#ifndef ITACLIP_SERVER_VOCABULARY_VOCABULARY_DEFINITION_H_
#define ITACLIP_SERVER_VOCABULARY_VOCABULARY_DEFINITION_H_

#include "absl/status/status.h"
#include "core/text/vocabulary_spec.h"
#include "itaclip/v1/vocabulary.pb.h"
#include "server/config/limits.h"

namespace itaclip::server {

// The description weight when TextParams leaves it unset (every published preset uses 0.05).
inline constexpr double kDefaultDescriptionWeight = 0.05;

// INVALID_ARGUMENT naming the first problem: no classes, more classes than max_classes, a class
// without names or with more than max_names_per_class, an empty or whitespace-only name, a name or
// description longer than max_text_bytes or not valid UTF-8, a description weight outside [0, 1].
absl::Status ValidateVocabularyDefinition(const v1::VocabularyDefinition& definition,
                                          const Limits& limits);

// The description weight to use (the default when unset).
double DescriptionWeight(const v1::VocabularyDefinition& definition);

text::VocabularySpec ToVocabularySpec(const v1::VocabularyDefinition& definition);

// Total number of names (text queries) of the vocabulary.
int CountQueries(const v1::VocabularyDefinition& definition);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_VOCABULARY_VOCABULARY_DEFINITION_H_
