// A vocabulary as the registry, the stores and the executor know it (the domain form of the API's
// v1::VocabularyDefinition and v1::StoredVocabulary; vocabulary_proto.h converts), its validation
// against the limits and its sizes.
#ifndef ITACLIP_SERVER_VOCABULARY_VOCABULARY_DEFINITION_H_
#define ITACLIP_SERVER_VOCABULARY_VOCABULARY_DEFINITION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "core/text/vocabulary_spec.h"
#include "server/config/limits.h"

namespace itaclip::server {

// What a client registers: core's classes (names, descriptions, background_first) and the weight
// that blends the descriptions in.
struct Vocabulary {
  text::VocabularySpec spec;
  // Unset means "the weight of the preset the request is segmented with" (DescriptionWeight).
  std::optional<double> description_weight;
};

// A registered vocabulary as a store holds it.
struct VocabularyRecord {
  std::string id;  // VocabularyId(definition), or its LegacyVocabularyId for an old record
  std::string display_name;
  Vocabulary definition;
  int64_t created_unix_ms = 0;
};

// INVALID_ARGUMENT naming the first problem: no classes, more classes than max_classes, a class
// without names or with more than max_names_per_class, a name that has no text once cleaned, a name
// or description longer than max_text_bytes or not valid UTF-8, a description weight (when set)
// outside [0, 1].
absl::Status ValidateVocabulary(const Vocabulary& vocabulary, const Limits& limits);

// The description weight to use: the vocabulary's own when it sets one, else `unset_weight`, the
// def_coefficient of the preset the request is segmented with (spec §3.4: the presets differ,
// 0.05 for VOC21, 0.15 for Context60, 0.10 for COCO-Object, 0.20 for COCO-Stuff).
double DescriptionWeight(const Vocabulary& vocabulary, double unset_weight);

// How many classes and queries (names) a vocabulary has: what sizes a request's score maps; and
// how many descriptions may be blended in (text::IsDescriptionBlended at a positive weight): with
// the names, the strings that building its embeddings encodes.
struct VocabularySize {
  int num_classes = 0;
  int num_queries = 0;
  int num_descriptions = 0;
};
VocabularySize SizeOf(const Vocabulary& vocabulary);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_VOCABULARY_VOCABULARY_DEFINITION_H_
