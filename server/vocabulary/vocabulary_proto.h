// The one conversion between a vocabulary's protobuf form and its domain form
// (vocabulary_definition.h). The API's seam uses it for requests and answers, and the stores for
// their record format (v1::StoredVocabulary: text format in a folder, binary in Redis), so that
// past these two places nothing passes a vocabulary message around.
#ifndef ITACLIP_SERVER_VOCABULARY_VOCABULARY_PROTO_H_
#define ITACLIP_SERVER_VOCABULARY_VOCABULARY_PROTO_H_

#include "itaclip/v1/vocabulary.pb.h"
#include "server/vocabulary/vocabulary_definition.h"

namespace itaclip::server {

// Lossless both ways: an unset text_params.description_weight stays unset.
Vocabulary VocabularyFromProto(const v1::VocabularyDefinition& definition);
v1::VocabularyDefinition VocabularyToProto(const Vocabulary& vocabulary);

VocabularyRecord RecordFromProto(const v1::StoredVocabulary& record);
v1::StoredVocabulary RecordToProto(const VocabularyRecord& record);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_VOCABULARY_VOCABULARY_PROTO_H_
