// The wire/store form of a vocabulary (v1::VocabularyDefinition) against core's
// text::VocabularySpec: validation against the limits, and conversion.
#ifndef ITACLIP_SERVER_VOCABULARY_VOCABULARY_DEFINITION_H_
#define ITACLIP_SERVER_VOCABULARY_VOCABULARY_DEFINITION_H_

#include "absl/status/status.h"
#include "core/text/vocabulary_spec.h"
#include "itaclip/v1/vocabulary.pb.h"
#include "server/config/limits.h"

namespace itaclip::server {

// INVALID_ARGUMENT naming the first problem: no classes, more classes than max_classes, a class
// without names or with more than max_names_per_class, a name that has no text once cleaned, a name
// or description longer than max_text_bytes or not valid UTF-8, a description weight (when set)
// outside [0, 1].
absl::Status ValidateVocabularyDefinition(const v1::VocabularyDefinition& definition,
                                          const Limits& limits);

// The description weight to use: the vocabulary's own when it sets one, else `unset_weight`, the
// def_coefficient of the preset the request is segmented with (spec §3.4: the presets differ,
// 0.05 for VOC21, 0.15 for Context60, 0.10 for COCO-Object, 0.20 for COCO-Stuff).
double DescriptionWeight(const v1::VocabularyDefinition& definition, double unset_weight);

text::VocabularySpec ToVocabularySpec(const v1::VocabularyDefinition& definition);

// How many classes and queries (names) a vocabulary has: what sizes a request's score maps.
struct VocabularySize {
  int num_classes = 0;
  int num_queries = 0;
};
VocabularySize SizeOf(const v1::VocabularyDefinition& definition);

// Total number of names (text queries) of the vocabulary.
int CountQueries(const v1::VocabularyDefinition& definition);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_VOCABULARY_VOCABULARY_DEFINITION_H_
