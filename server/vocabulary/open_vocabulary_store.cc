// The store selection: Redis, folder or memory, from VocabularyConfig.
#include "server/vocabulary/open_vocabulary_store.h"

#include <utility>

#include "absl/time/time.h"
#include "core/common/status_macros.h"
#include "server/vocabulary/folder_vocabulary_store.h"
#include "server/vocabulary/memory_vocabulary_store.h"
#include "server/vocabulary/redis_credentials.h"
#include "server/vocabulary/redis_vocabulary_store.h"

namespace itaclip::server {

absl::StatusOr<std::unique_ptr<VocabularyStore>> OpenVocabularyStore(
    const v1::VocabularyConfig& config) {
  if (!config.redis().address().empty()) {
    if (!config.store_dir().empty()) {
      return absl::InvalidArgumentError(
          "vocabulary.store_dir and vocabulary.redis.address are both set; choose one store");
    }
    RedisStoreOptions options;
    options.address = config.redis().address();
    options.key_prefix = config.redis().key_prefix();
    options.timeout = absl::Seconds(config.redis().timeout_seconds());
    ASSIGN_OR_RETURN(RedisCredentials credentials, LoadRedisCredentials(config.redis()));
    options.username = std::move(credentials.username);
    options.password = std::move(credentials.password);
    return OpenRedisVocabularyStore(std::move(options));
  }
  if (!config.store_dir().empty()) return OpenFolderVocabularyStore(config.store_dir());
  return MakeMemoryVocabularyStore();
}

}  // namespace itaclip::server
