// Chooses and opens the VocabularyStore that the server's configuration asks for.
#ifndef ITACLIP_SERVER_VOCABULARY_OPEN_VOCABULARY_STORE_H_
#define ITACLIP_SERVER_VOCABULARY_OPEN_VOCABULARY_STORE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "itaclip/v1/server_config.pb.h"
#include "server/vocabulary/vocabulary_store.h"

namespace itaclip::server {

// redis.address set: OpenRedisVocabularyStore (shared by every replica using that Redis);
// else store_dir set: OpenFolderVocabularyStore; else MakeMemoryVocabularyStore. Errors: those of
// the chosen store's Open, and INVALID_ARGUMENT when both redis.address and store_dir are set
// (ValidateServerConfig refuses that configuration first).
absl::StatusOr<std::unique_ptr<VocabularyStore>> OpenVocabularyStore(
    const v1::VocabularyConfig& config);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_VOCABULARY_OPEN_VOCABULARY_STORE_H_
