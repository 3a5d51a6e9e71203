// A VocabularyStore held in process memory: for servers configured without a store folder (records
// last until the process exits) and for tests.
#ifndef ITACLIP_SERVER_VOCABULARY_MEMORY_VOCABULARY_STORE_H_
#define ITACLIP_SERVER_VOCABULARY_MEMORY_VOCABULARY_STORE_H_

#include <memory>

#include "server/vocabulary/vocabulary_store.h"

namespace itaclip::server {

// An empty store; Describe() is "memory".
std::unique_ptr<VocabularyStore> MakeMemoryVocabularyStore();

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_VOCABULARY_MEMORY_VOCABULARY_STORE_H_
