// The server's vocabularies: id -> stored definition (VocabularyStore) + resident query embeddings
// (EmbeddingCache), building the embeddings on first use, once per id however many requests ask.
#ifndef ITACLIP_SERVER_VOCABULARY_VOCABULARY_REGISTRY_H_
#define ITACLIP_SERVER_VOCABULARY_VOCABULARY_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "core/text/query_embeddings.h"
#include "server/config/limits.h"
#include "server/vocabulary/embedding_cache.h"
#include "server/vocabulary/vocabulary_definition.h"
#include "server/vocabulary/vocabulary_store.h"

namespace itaclip::server {

// Turns a (validated) vocabulary's classes into their query embeddings, blending descriptions with
// `description_weight`. Injected so that the server runs the text tower (text::TextEmbedder) and
// tests run a fake. Called from the registering or requesting thread; it must be thread-safe.
//
// `should_continue` (may be empty) is asked between batches of prompts: a build for a call that was
// cancelled, whose deadline passed or that a drain ended stops there with its status, instead of
// holding a worker (and the process's exit) for the rest of a large vocabulary.
using ShouldContinue = std::function<absl::Status()>;
using EmbeddingBuilder = std::function<absl::StatusOr<text::QueryEmbeddings>(
    const text::VocabularySpec&, double description_weight, const ShouldContinue& should_continue)>;

// A vocabulary that sets its description weight has one set of embeddings, cached under its id. One
// that leaves it unset means "the weight of the preset I am segmented with", so its embeddings
// depend on that weight: the callers pass the preset's def_coefficient as `unset_weight`, and the
// embeddings are built and cached per weight (WeightedEmbeddingKey).
//
// Thread-safe. `store` and `cache` must outlive the registry. The store may be shared with other
// replicas: a vocabulary registered elsewhere is found in the store and built here on first use.
class VocabularyRegistry {
 public:
  VocabularyRegistry(VocabularyStore* store, EmbeddingCache* cache, EmbeddingBuilder builder,
                     Limits limits);

  VocabularyRegistry(const VocabularyRegistry&) = delete;
  VocabularyRegistry& operator=(const VocabularyRegistry&) = delete;

  struct Registration {
    std::string id;
    bool already_registered = false;  // the store already held this content
    int num_classes = 0;
    int num_queries = 0;
    // Milliseconds this call spent making the embeddings resident (building them, or waiting for a
    // concurrent build of the same id); 0 when they were resident already.
    double build_ms = 0;
  };

  // Validates `vocabulary` (ValidateVocabulary), computes its id, makes its embeddings
  // resident (building them unless resident) and stores the definition if the store does not hold
  // it yet. The embeddings are built before the definition is stored, so that a definition the
  // builder refuses is never stored. Errors: the validation's INVALID_ARGUMENT; RESOURCE_EXHAUSTED
  // naming max_vocabularies when the content is new and the store is full; the builder's error; the
  // cache's RESOURCE_EXHAUSTED when the embeddings exceed cache_budget_bytes. A new display_name
  // for content already stored does not change the stored record.
  // `unset_weight`: the weight to build with when the definition sets none (the server's default
  // preset's, for RegisterClasses; the request's preset's, for an inline vocabulary).
  // `should_continue`: see EmbeddingBuilder. A build stopped by it is reported to its caller;
  // callers waiting for the same build start their own.
  absl::StatusOr<Registration> Register(const Vocabulary& vocabulary,
                                        const std::string& display_name, double unset_weight,
                                        const ShouldContinue& should_continue = {});

  // The stored record. NOT_FOUND "no vocabulary with id ..."; INVALID_ARGUMENT for a malformed id.
  absl::StatusOr<VocabularyRecord> Get(const std::string& id);

  // Whether requests may segment with `id`, and its size: OK when the store holds it, and also
  // when the store cannot be reached (UNAVAILABLE) but the embeddings are resident here, so that a
  // replica keeps serving the vocabularies it holds through an outage of a shared store. Otherwise
  // Get's error (NOT_FOUND, INVALID_ARGUMENT, the store's UNAVAILABLE for a vocabulary not
  // resident).
  absl::StatusOr<VocabularySize> CheckSegmentable(const std::string& id);

  // The resident embeddings, built on a miss from the stored definition (so after a restart, or for
  // a vocabulary another replica registered, the first use builds them). Single flight: concurrent
  // callers for one id wait for a single build, and a failed build is reported to every waiter and
  // not cached. Errors as Get, plus DATA_LOSS when the stored definition does not hash to its id
  // (the file was edited), the builder's error and the cache's RESOURCE_EXHAUSTED. A record stored
  // by an earlier version, whose id hashed an unset weight as 0.05 (LegacyVocabularyId), is read
  // with an explicit 0.05: what it meant when it was registered.
  absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> Embeddings(
      const std::string& id, double unset_weight, const ShouldContinue& should_continue = {});

  // Every stored record, sorted by id.
  absl::StatusOr<std::vector<VocabularyRecord>> List();

  // Removes the record from the store and the embeddings from the cache (a request holding them
  // keeps its copy). NOT_FOUND when the store has no such record; INVALID_ARGUMENT for a bad id.
  absl::Status Delete(const std::string& id);

  bool IsResident(const std::string& id) const;
  int64_t ResidentBytes(const std::string& id) const;  // 0 when not resident

 private:
  // One build in progress; its waiters hold a reference until they have read the result.
  struct Flight {
    absl::Notification done;
    // Written by the leader before done.Notify(); read by waiters after it.
    absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> result;
    bool erased = false;  // Delete() ran during the build: do not cache the result (guarded by mu_)
  };

  // The embeddings cached under `key`, or the single-flight build of `id`'s from `definition`
  // (when non-null and already known to have this id) or else from the stored definition.
  absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> Resident(
      const std::string& key, const std::string& id, const Vocabulary* definition,
      double unset_weight, const ShouldContinue& should_continue);

  // What the leader of a flight made, and the key it belongs under (the flight's key, or the bare
  // id when the stored definition turned out to set its weight).
  struct Built {
    std::shared_ptr<const text::QueryEmbeddings> embeddings;
    std::string key;
  };
  absl::StatusOr<Built> Build(const std::string& id, const Vocabulary* definition,
                              double unset_weight, const ShouldContinue& should_continue);

  // Whether the store holds `id` (NOT_FOUND is false, other errors are errors).
  absl::StatusOr<bool> IsStored(const std::string& id);

  // RESOURCE_EXHAUSTED when the store holds max_vocabularies already.
  absl::Status CheckRoom();

  VocabularyStore* const store_;
  EmbeddingCache* const cache_;
  const EmbeddingBuilder builder_;
  const Limits limits_;

  // Serialises "is it stored? is there room? store it" so that two registrations cannot both take
  // the last place. (Replicas sharing a store can still overshoot the limit by one per replica.)
  absl::Mutex register_mu_;

  // Guards the flights and makes "look in the cache, else join or start a flight" one step, and
  // "cache the result, end the flight" another, so that no caller can miss both.
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Flight>> flights_ ABSL_GUARDED_BY(mu_);
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_VOCABULARY_VOCABULARY_REGISTRY_H_
