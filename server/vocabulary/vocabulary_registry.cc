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

namespace {

// Where `id`'s embeddings are cached: under the id when the definition sets its weight, else
// under the id qualified by the weight they were built with.
std::string EmbeddingKey(const std::string& id, const Vocabulary& definition, double unset_weight) {
  if (definition.description_weight.has_value()) return id;
  return WeightedEmbeddingKey(id, unset_weight);
}

}  // namespace

absl::StatusOr<VocabularyRegistry::Registration> VocabularyRegistry::Register(
    const Vocabulary& definition, const std::string& display_name, double unset_weight,
    const ShouldContinue& should_continue) {
  RETURN_IF_ERROR(ValidateVocabulary(definition, limits_));
  Registration registration;
  registration.id = VocabularyId(definition);
  const VocabularySize size = SizeOf(definition);
  registration.num_classes = size.num_classes;
  registration.num_queries = size.num_queries;
  const std::string& id = registration.id;

  ASSIGN_OR_RETURN(const bool stored_before, IsStored(id));
  // Refuse a full store before spending a build; checked again below, under register_mu_.
  if (!stored_before) RETURN_IF_ERROR(CheckRoom());

  const std::string key = EmbeddingKey(id, definition, unset_weight);
  const bool was_resident = cache_->Contains(key);
  const absl::Time start = absl::Now();
  ASSIGN_OR_RETURN(std::shared_ptr<const text::QueryEmbeddings> embeddings,
                   Resident(key, id, &definition, unset_weight, should_continue));
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
  VocabularyRecord record;
  record.id = id;
  record.display_name = display_name;
  record.definition = definition;
  record.created_unix_ms = absl::ToUnixMillis(absl::Now());
  absl::Status status = CheckRoom();
  if (status.ok()) status = store_->Put(record);
  if (!status.ok()) {
    // Not stored, so not registered: resident embeddings without a record would answer requests
    // for an id that Get() and List() deny.
    cache_->EraseVocabulary(id);
    return status;
  }
  return registration;
}

absl::StatusOr<VocabularyRecord> VocabularyRegistry::Get(const std::string& id) {
  RETURN_IF_ERROR(ValidateVocabularyId(id));
  return store_->Get(id);
}

absl::StatusOr<VocabularySize> VocabularyRegistry::CheckSegmentable(const std::string& id) {
  const absl::StatusOr<VocabularyRecord> record = Get(id);
  if (record.ok()) return SizeOf(record->definition);
  // The store is asked first even for a resident vocabulary: a delete on another replica must be
  // seen here too. Only when the store cannot answer do the resident embeddings decide.
  if (absl::IsUnavailable(record.status())) {
    if (std::shared_ptr<const text::QueryEmbeddings> resident = cache_->PeekVocabulary(id)) {
      return VocabularySize{resident->num_classes(),
                            static_cast<int>(resident->query_class.size())};
    }
  }
  return record.status();
}

absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> VocabularyRegistry::Embeddings(
    const std::string& id, double unset_weight, const ShouldContinue& should_continue) {
  RETURN_IF_ERROR(ValidateVocabularyId(id));
  // Resident under the bare id: the vocabulary sets its weight, and the preset's does not matter.
  // Otherwise the key for this weight (a build from the store corrects it for a vocabulary that
  // turns out to set its weight).
  const std::string key = cache_->Contains(id) ? id : WeightedEmbeddingKey(id, unset_weight);
  return Resident(key, id, nullptr, unset_weight, should_continue);
}

absl::StatusOr<std::vector<VocabularyRecord>> VocabularyRegistry::List() { return store_->List(); }

absl::Status VocabularyRegistry::Delete(const std::string& id) {
  RETURN_IF_ERROR(ValidateVocabularyId(id));
  const absl::Status status = store_->Delete(id);
  absl::MutexLock lock(&mu_);
  // A build in progress would otherwise cache the embeddings of a deleted vocabulary.
  for (auto& [key, flight] : flights_) {
    if (IsEmbeddingKeyOf(key, id)) flight->erased = true;
  }
  cache_->EraseVocabulary(id);
  return status;
}

bool VocabularyRegistry::IsResident(const std::string& id) const {
  return cache_->PeekVocabulary(id) != nullptr;
}

int64_t VocabularyRegistry::ResidentBytes(const std::string& id) const {
  return cache_->VocabularyBytes(id);
}

absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> VocabularyRegistry::Resident(
    const std::string& key, const std::string& id, const Vocabulary* definition,
    double unset_weight, const ShouldContinue& should_continue) {
  std::shared_ptr<Flight> flight;
  while (true) {
    bool leader = false;
    {
      absl::MutexLock lock(&mu_);
      if (std::shared_ptr<const text::QueryEmbeddings> hit = cache_->Lookup(key)) return hit;
      auto [it, inserted] = flights_.try_emplace(key);
      if (inserted) it->second = std::make_shared<Flight>();
      flight = it->second;
      leader = inserted;
    }
    if (leader) break;
    flight->done.WaitForNotification();
    // A registration that joined a build from the store, started before its definition was stored,
    // gets that build's NOT_FOUND; it has the definition itself, so it tries again.
    if (definition != nullptr && absl::IsNotFound(flight->result.status())) continue;
    // The leader's call stopped its build (cancelled, its deadline, a drain): not this caller's
    // answer, so it builds for itself (under its own should_continue).
    const absl::Status& led = flight->result.status();
    if (absl::IsCancelled(led) || absl::IsDeadlineExceeded(led)) continue;
    return flight->result;
  }

  absl::StatusOr<Built> built = Build(id, definition, unset_weight, should_continue);
  absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> result =
      built.ok() ? absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>>(built->embeddings)
                 : built.status();
  {
    absl::MutexLock lock(&mu_);
    if (built.ok() && !flight->erased) {
      if (absl::Status cached = cache_->Insert(built->key, built->embeddings); !cached.ok()) {
        result = cached;
      }
    }
    flights_.erase(key);
    flight->result = result;
  }
  flight->done.Notify();
  return result;
}

absl::StatusOr<VocabularyRegistry::Built> VocabularyRegistry::Build(
    const std::string& id, const Vocabulary* definition, double unset_weight,
    const ShouldContinue& should_continue) {
  VocabularyRecord record;
  if (definition == nullptr) {
    ASSIGN_OR_RETURN(record, store_->Get(id));
    Vocabulary& stored = record.definition;
    if (VocabularyId(stored) != id) {
      if (!stored.description_weight.has_value() && LegacyVocabularyId(stored) == id) {
        // Registered by an earlier version, for which unset meant 0.05: keep that meaning.
        stored.description_weight = kLegacyUnsetDescriptionWeight;
      } else {
        // The id is the content hash; a record whose content hashes elsewhere was edited by hand,
        // and serving it under this id would break "same id, same content".
        return absl::DataLossError(absl::StrFormat(
            "the stored definition of vocabulary %s hashes to %s; the store (%s) was edited", id,
            VocabularyId(stored), store_->Describe()));
      }
    }
    definition = &stored;
  }
  ASSIGN_OR_RETURN(
      text::QueryEmbeddings embeddings,
      builder_(definition->spec, DescriptionWeight(*definition, unset_weight), should_continue));
  Built built;
  built.embeddings = std::make_shared<text::QueryEmbeddings>(std::move(embeddings));
  built.key = EmbeddingKey(id, *definition, unset_weight);
  return built;
}

absl::StatusOr<bool> VocabularyRegistry::IsStored(const std::string& id) {
  absl::StatusOr<VocabularyRecord> record = store_->Get(id);
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
