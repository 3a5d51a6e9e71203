// LRU bookkeeping of EmbeddingCache: a recency list of ids plus a map from id to entry.
#include "server/vocabulary/embedding_cache.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"

namespace itaclip::server {
bool IsEmbeddingKeyOf(const std::string& key, const std::string& id) {
  return absl::StartsWith(key, id) && (key.size() == id.size() || key[id.size()] == '@');
}

std::string WeightedEmbeddingKey(const std::string& id, double description_weight) {
  return absl::StrFormat("%s@%.17g", id, description_weight);
}

int64_t EmbeddingBytes(const text::QueryEmbeddings& embeddings) {
  if (!embeddings.embeddings.defined()) return 0;
  return static_cast<int64_t>(embeddings.embeddings.numel()) *
         static_cast<int64_t>(embeddings.embeddings.element_size());
}

EmbeddingCache::EmbeddingCache(int64_t budget_bytes)
    : budget_bytes_(std::max<int64_t>(budget_bytes, 0)) {}

std::shared_ptr<const text::QueryEmbeddings> EmbeddingCache::Lookup(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second.position);
  return it->second.embeddings;
}

absl::Status EmbeddingCache::Insert(const std::string& id,
                                    std::shared_ptr<const text::QueryEmbeddings> embeddings) {
  if (embeddings == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrFormat("null embeddings inserted for vocabulary %s", id));
  }
  const int64_t bytes = EmbeddingBytes(*embeddings);
  if (bytes > budget_bytes_) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "the embeddings of vocabulary %s take %d bytes, more than the whole embedding cache "
        "(cache_budget_bytes = %d)",
        id, bytes, budget_bytes_));
  }
  absl::MutexLock lock(&mu_);
  if (auto old = entries_.find(id); old != entries_.end()) RemoveLocked(old);
  lru_.push_front(id);
  entries_[id] = Entry{std::move(embeddings), bytes, lru_.begin()};
  resident_bytes_ += bytes;
  // The new entry is at the front and fits on its own, so this stops before reaching it.
  while (resident_bytes_ > budget_bytes_) {
    RemoveLocked(entries_.find(lru_.back()));
    ++evictions_;
  }
  return absl::OkStatus();
}

void EmbeddingCache::Erase(const std::string& id) {
  absl::MutexLock lock(&mu_);
  if (auto it = entries_.find(id); it != entries_.end()) RemoveLocked(it);
}

void EmbeddingCache::EraseVocabulary(const std::string& id) {
  absl::MutexLock lock(&mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto next = std::next(it);
    if (IsEmbeddingKeyOf(it->first, id)) RemoveLocked(it);
    it = next;
  }
}

int64_t EmbeddingCache::VocabularyBytes(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  int64_t bytes = 0;
  for (const auto& [key, entry] : entries_) {
    if (IsEmbeddingKeyOf(key, id)) bytes += entry.bytes;
  }
  return bytes;
}

std::shared_ptr<const text::QueryEmbeddings> EmbeddingCache::PeekVocabulary(
    const std::string& id) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [key, entry] : entries_) {
    if (IsEmbeddingKeyOf(key, id)) return entry.embeddings;
  }
  return nullptr;
}

bool EmbeddingCache::Contains(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  return entries_.count(id) > 0;
}

int64_t EmbeddingCache::EntryBytes(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  return it == entries_.end() ? 0 : it->second.bytes;
}

EmbeddingCache::Stats EmbeddingCache::stats() const {
  absl::MutexLock lock(&mu_);
  Stats stats;
  stats.hits = hits_;
  stats.misses = misses_;
  stats.evictions = evictions_;
  stats.resident_bytes = resident_bytes_;
  stats.entries = static_cast<int64_t>(entries_.size());
  return stats;
}

void EmbeddingCache::RemoveLocked(std::unordered_map<std::string, Entry>::iterator it) {
  resident_bytes_ -= it->second.bytes;
  lru_.erase(it->second.position);
  entries_.erase(it);
}

}  // namespace itaclip::server
