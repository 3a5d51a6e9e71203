// The id of a vocabulary: a content hash of its definition, so that the same content gets the same
// id on every replica and after every restart, whoever registers it and under whatever display
// name.
#ifndef ITACLIP_SERVER_VOCABULARY_VOCABULARY_ID_H_
#define ITACLIP_SERVER_VOCABULARY_VOCABULARY_ID_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/vocabulary/vocabulary_definition.h"

namespace itaclip::server {

// The canonical encoding that VocabularyId hashes. It is defined here, byte by byte, rather than
// taken from protobuf serialisation, whose output is not guaranteed stable across protobuf versions
// (field order, unknown fields, default-valued optional fields). Integers are uint64 little-endian;
// a "string" is its byte length as uint64 little-endian followed by its bytes, so that the names
// ["a b"] and ["a", "b"] encode differently. In order:
//   1. the version tag "itaclip.vocabulary.v1" as a string (changing the encoding changes the tag);
//   2. background_first as one byte, 0x00 or 0x01;
//   3. the description weight, when set, as the uint64 of its IEEE-754 binary64 bit pattern, after
//      turning -0.0 into 0.0 and any NaN into the quiet NaN 0x7ff8000000000000; when unset,
//      0xffffffffffffffff (a NaN pattern that step's canonical form never gives), because an unset
//      weight means "the preset's" and is other content than any explicit one;
//   4. the number of classes;
//   5. for each class in label order: the number of names, each name as a string, then the
//      description as a string (empty when unset).
// display_name and everything outside the definition are not part of it.
std::string CanonicalVocabularyBytes(const Vocabulary& vocabulary);

// "voc-" followed by the first 32 hex digits (lowercase, 128 bits) of SHA-256 of
// CanonicalVocabularyBytes(vocabulary).
std::string VocabularyId(const Vocabulary& vocabulary);

// The id that earlier versions gave `vocabulary`, which hashed an unset weight as 0.05 (the
// weight those versions used for it). A stored record whose id is this keeps that meaning: see
// VocabularyRegistry, which reads it as an explicit 0.05.
std::string LegacyVocabularyId(const Vocabulary& vocabulary);
inline constexpr double kLegacyUnsetDescriptionWeight = 0.05;

// OK when `id` has the form VocabularyId produces (^voc-[0-9a-f]{32}$); INVALID_ARGUMENT saying so
// otherwise. Stores call it before an id gets anywhere near a path or a key.
absl::Status ValidateVocabularyId(absl::string_view id);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_VOCABULARY_VOCABULARY_ID_H_
