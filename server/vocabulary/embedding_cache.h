// The vocabularies' query embeddings kept resident (on the model's device) under a byte budget,
// least recently used first out, with hit, miss and eviction counts for the metrics.
#ifndef ITACLIP_SERVER_VOCABULARY_EMBEDDING_CACHE_H_
#define ITACLIP_SERVER_VOCABULARY_EMBEDDING_CACHE_H_

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "core/text/query_embeddings.h"

namespace itaclip::server {

// The bytes an entry is charged: numel x element size of `.embeddings` (0 when undefined). The
// class lists are small next to the tensor and are not counted.
int64_t EmbeddingBytes(const text::QueryEmbeddings& embeddings);

// "<id>@<weight>" with the weight printed exactly (17 significant digits).
std::string WeightedEmbeddingKey(const std::string& id, double description_weight);

// Whether `key` is vocabulary `id`'s: the id itself, or the id qualified ("<id>@...").
bool IsEmbeddingKeyOf(const std::string& key, const std::string& id);

// Keys are a vocabulary id, or an id qualified by what the embeddings were built with
// (WeightedEmbeddingKey: "<id>@<description weight>", for a vocabulary that leaves its weight to
// the preset). The *Vocabulary methods act on every key of one id.
//
// Entries are shared_ptrs so that an entry evicted (or erased) while a request still uses it stays
// alive until that request drops it; the budget bounds what the cache holds, not what requests
// hold. Thread-safe.
class EmbeddingCache {
 public:
  // A negative budget counts as 0 (nothing can be kept).
  explicit EmbeddingCache(int64_t budget_bytes);

  EmbeddingCache(const EmbeddingCache&) = delete;
  EmbeddingCache& operator=(const EmbeddingCache&) = delete;

  // The entry for `id`, now the most recently used; nullptr when absent. Counts a hit or a miss.
  std::shared_ptr<const text::QueryEmbeddings> Lookup(const std::string& id);

  // Inserts `embeddings` as the most recently used entry (replacing any entry for `id`), then
  // evicts least recently used entries other than this one until resident bytes <= budget. An entry
  // larger than the whole budget is not kept and the cache is left as it was: RESOURCE_EXHAUSTED
  // naming its size and the budget (cache_budget_bytes). INVALID_ARGUMENT for a null pointer.
  absl::Status Insert(const std::string& id,
                      std::shared_ptr<const text::QueryEmbeddings> embeddings);

  // Drops the entry for `id`, if any (not counted as an eviction).
  void Erase(const std::string& id);

  // Every entry of vocabulary `id` (its bare key and its weighted keys): the entries dropped, the
  // bytes charged (0 when none), one of them or nullptr. They count no hit or miss.
  void EraseVocabulary(const std::string& id);
  int64_t VocabularyBytes(const std::string& id) const;
  std::shared_ptr<const text::QueryEmbeddings> PeekVocabulary(const std::string& id) const;

  // Whether `id` is resident. Counts no hit or miss and leaves the LRU order alone.
  bool Contains(const std::string& id) const;

  // The bytes charged for `id`'s entry; 0 when absent. Like Contains, it observes only.
  int64_t EntryBytes(const std::string& id) const;

  int64_t budget_bytes() const { return budget_bytes_; }

  struct Stats {
    int64_t hits = 0;
    int64_t misses = 0;
    int64_t evictions = 0;       // entries dropped to make room (not Erase, not replacement)
    int64_t resident_bytes = 0;  // sum of EmbeddingBytes over the entries
    int64_t entries = 0;
  };
  Stats stats() const;

 private:
  struct Entry {
    std::shared_ptr<const text::QueryEmbeddings> embeddings;
    int64_t bytes = 0;
    std::list<std::string>::iterator position;  // in lru_
  };

  // Removes `it`'s entry from the map, the LRU list and the byte count.
  void RemoveLocked(std::unordered_map<std::string, Entry>::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int64_t budget_bytes_;
  mutable absl::Mutex mu_;
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);  // most recently used first
  std::unordered_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  int64_t resident_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t evictions_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_VOCABULARY_EMBEDDING_CACHE_H_
