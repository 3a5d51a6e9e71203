// Registration (validate, hash, build, store), lookup and single-flight building of embeddings.
#include "server/vocabulary/vocabulary_registry.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/common/status_macros.h"
#include "server/vocabulary/vocabulary_definition.h"
#include "server/vocabulary/vocabulary_id.h"

namespace itaclip::server {

VocabularyRegistry::VocabularyRegistry(VocabularyStore* store, EmbeddingCache* cache,
                                       EmbeddingBuilder builder, Limits limits)
    : store_(store), cache_(cache), builder_(std::move(builder)), limits_(limits) {}

absl::StatusOr<VocabularyRegistry::Registration> VocabularyRegistry::Register(
    const v1::VocabularyDefinition& definition, const std::string& display_name) {
  RETURN_IF_ERROR(ValidateVocabularyDefinition(definition, limits_));
  Registration registration;
  registration.id = VocabularyId(definition);
  registration.num_classes = definition.classes_size();
  registration.num_queries = CountQueries(definition);
  const std::string& id = registration.id;

  ASSIGN_OR_RETURN(const bool stored_before, IsStored(id));
  // Refuse a full store before spending a build; checked again below, under register_mu_.
  if (!stored_before) RETURN_IF_ERROR(CheckRoom());

  const bool was_resident = cache_->Contains(id);
  const absl::Time start = absl::Now();
  ASSIGN_OR_RETURN(std::shared_ptr<const text::QueryEmbeddings> embeddings,
                   Resident(id, &definition));
  if (!was_resident) registration.build_ms = absl::ToDoubleMilliseconds(absl::Now() - start);
  if (stored_before) {
    registration.already_registered = true;
    return registration;
  }

  absl::MutexLock lock(&register_mu_);
  ASSIGN_OR_RETURN(const bool stored_now, IsStored(id));
  if (stored_now) {  // a concurrent registration of the same content stored it first
    registration.already_registered = true;
    return registration;
  }
  v1::StoredVocabulary record;
  record.set_id(id);
  record.set_display_name(display_name);
  *record.mutable_definition() = definition;
  record.set_created_unix_ms(absl::ToUnixMillis(absl::Now()));
  absl::Status status = CheckRoom();
  if (status.ok()) status = store_->Put(record);
  if (!status.ok()) {
    // Not stored, so not registered: resident embeddings without a record would answer requests
    // for an id that Get() and List() deny.
    cache_->Erase(id);
    return status;
  }
  return registration;
}

absl::StatusOr<v1::StoredVocabulary> VocabularyRegistry::Get(const std::string& id) {
  RETURN_IF_ERROR(ValidateVocabularyId(id));
  return store_->Get(id);
}

absl::Status VocabularyRegistry::CheckSegmentable(const std::string& id) {
  const absl::Status status = Get(id).status();
  // The store is asked first even for a resident vocabulary: a delete on another replica must be
  // seen here too. Only when the store cannot answer do the resident embeddings decide.
  if (absl::IsUnavailable(status) && cache_->Contains(id)) return absl::OkStatus();
  return status;
}

absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> VocabularyRegistry::Embeddings(
    const std::string& id) {
  RETURN_IF_ERROR(ValidateVocabularyId(id));
  return Resident(id, nullptr);
}

absl::StatusOr<std::vector<v1::StoredVocabulary>> VocabularyRegistry::List() {
  return store_->List();
}

absl::Status VocabularyRegistry::Delete(const std::string& id) {
  RETURN_IF_ERROR(ValidateVocabularyId(id));
  const absl::Status status = store_->Delete(id);
  absl::MutexLock lock(&mu_);
  // A build in progress would otherwise cache the embeddings of a deleted vocabulary.
  if (auto it = flights_.find(id); it != flights_.end()) it->second->erased = true;
  cache_->Erase(id);
  return status;
}

bool VocabularyRegistry::IsResident(const std::string& id) const { return cache_->Contains(id); }

int64_t VocabularyRegistry::ResidentBytes(const std::string& id) const {
  return cache_->EntryBytes(id);
}

absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> VocabularyRegistry::Resident(
    const std::string& id, const v1::VocabularyDefinition* definition) {
  std::shared_ptr<Flight> flight;
  while (true) {
    bool leader = false;
    {
      absl::MutexLock lock(&mu_);
      if (std::shared_ptr<const text::QueryEmbeddings> hit = cache_->Lookup(id)) return hit;
      auto [it, inserted] = flights_.try_emplace(id);
      if (inserted) it->second = std::make_shared<Flight>();
      flight = it->second;
      leader = inserted;
    }
    if (leader) break;
    flight->done.WaitForNotification();
    // A registration that joined a build from the store, started before its definition was stored,
    // gets that build's NOT_FOUND; it has the definition itself, so it tries again.
    if (definition != nullptr && absl::IsNotFound(flight->result.status())) continue;
    return flight->result;
  }

  absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> result = Build(id, definition);
  {
    absl::MutexLock lock(&mu_);
    if (result.ok() && !flight->erased) {
      if (absl::Status cached = cache_->Insert(id, *result); !cached.ok()) result = cached;
    }
    flights_.erase(id);
    flight->result = result;
  }
  flight->done.Notify();
  return result;
}

absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> VocabularyRegistry::Build(
    const std::string& id, const v1::VocabularyDefinition* definition) {
  v1::StoredVocabulary record;
  if (definition == nullptr) {
    ASSIGN_OR_RETURN(record, store_->Get(id));
    // The id is the content hash; a record whose content hashes elsewhere was edited by hand, and
    // serving it under this id would break "same id, same content".
    if (const std::string actual = VocabularyId(record.definition()); actual != id) {
      return absl::DataLossError(absl::StrFormat(
          "the stored definition of vocabulary %s hashes to %s; the store (%s) was edited", id,
          actual, store_->Describe()));
    }
    definition = &record.definition();
  }
  ASSIGN_OR_RETURN(text::QueryEmbeddings embeddings, builder_(*definition));
  return std::shared_ptr<const text::QueryEmbeddings>(
      std::make_shared<text::QueryEmbeddings>(std::move(embeddings)));
}

absl::StatusOr<bool> VocabularyRegistry::IsStored(const std::string& id) {
  absl::StatusOr<v1::StoredVocabulary> record = store_->Get(id);
  if (record.ok()) return true;
  if (absl::IsNotFound(record.status())) return false;
  return record.status();
}

absl::Status VocabularyRegistry::CheckRoom() {
  ASSIGN_OR_RETURN(const int64_t count, store_->Count());
  if (count >= limits_.max_vocabularies) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "the vocabulary store holds %d vocabularies; the limit (max_vocabularies) is %d; delete "
        "one to register another",
        count, limits_.max_vocabularies));
  }
  return absl::OkStatus();
}

}  // namespace itaclip::server
