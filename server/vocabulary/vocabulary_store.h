// Where registered vocabularies persist: the interface that the registry uses, so that a folder, a
// memory map or a shared key-value service (Redis) can hold them.
#ifndef ITACLIP_SERVER_VOCABULARY_VOCABULARY_STORE_H_
#define ITACLIP_SERVER_VOCABULARY_VOCABULARY_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/vocabulary/vocabulary_definition.h"

namespace itaclip::server {

// Records are keyed by VocabularyRecord::id, which must be a well-formed vocabulary id
// (ValidateVocabularyId); every method refuses a malformed id with INVALID_ARGUMENT before it is
// used as a path or a key. A store checks nothing else about a record: the registry decides what
// goes in. Implementations are thread-safe, and a record is either wholly there or absent for every
// reader, including other processes sharing the same backing storage.
class VocabularyStore {
 public:
  virtual ~VocabularyStore() = default;

  // Stores `record` under record.id, replacing any record with that id.
  virtual absl::Status Put(const VocabularyRecord& record) = 0;

  // The record with `id`; NOT_FOUND "no vocabulary with id <id>" when there is none (clients see
  // that message, so it does not say where the store is).
  virtual absl::StatusOr<VocabularyRecord> Get(const std::string& id) = 0;

  // Every record, sorted by id.
  virtual absl::StatusOr<std::vector<VocabularyRecord>> List() = 0;

  // How many records there are (what List().size() would be, without reading them).
  virtual absl::StatusOr<int64_t> Count() = 0;

  // Removes the record with `id`; NOT_FOUND when there is none.
  virtual absl::Status Delete(const std::string& id) = 0;

  // Where the records live, for logs and messages, e.g. "folder /var/lib/itaclip/vocabularies".
  virtual std::string Describe() const = 0;

  // OK when the store can serve operations now; otherwise the error an operation would get (e.g.
  // UNAVAILABLE for a Redis that cannot be reached). It may wait on the store (StoreHealthMonitor
  // calls it from its own thread). A store held in this process is always reachable.
  virtual absl::Status Ping() { return absl::OkStatus(); }

  // Whether the latest operation or ping reached the store, without waiting on it: what
  // itaclip_vocabulary_store_up reports at once when an operation finds the store gone.
  virtual bool LastKnownUp() const { return true; }
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_VOCABULARY_VOCABULARY_STORE_H_
