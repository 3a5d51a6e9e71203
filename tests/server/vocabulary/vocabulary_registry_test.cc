// The registry with a fake builder: registration, limits, deletion, restart over a folder store,
// single-flight builds and failed builds.
#include "server/vocabulary/vocabulary_registry.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/vocabulary/embedding_cache.h"
#include "server/vocabulary/folder_vocabulary_store.h"
#include "server/vocabulary/memory_vocabulary_store.h"
#include "server/vocabulary/vocabulary_id.h"
#include "tests/server/vocabulary/test_vocabularies.h"
#include "tests/testing/test_paths.h"

namespace itaclip::server {
namespace {

// The description weight for vocabularies that leave theirs to the preset (VOC21's).
constexpr double kUnsetWeight = 0.05;

using ::itaclip::server::testing::FakeEmbeddingBuilder;
using ::itaclip::server::testing::kFakeDim;
using ::itaclip::server::testing::MakeDefinition;
using ::itaclip::server::testing::NumberedDefinition;
using ::itaclip::server::testing::RecordText;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

constexpr int64_t kBytesPerQuery = kFakeDim * 4;  // float32

// Three classes, four names: 64 bytes of fake embeddings.
Vocabulary Pets() {
  return MakeDefinition(
      {{{"background"}, ""}, {{"cat", "kitten"}, "a small feline"}, {{"dog"}, ""}},
      /*background_first=*/true);
}

class VocabularyRegistryTest : public ::testing::Test {
 protected:
  VocabularyRegistryTest() : store_(MakeMemoryVocabularyStore()) {}

  // (Re)builds the registry over store_ with a fresh fake and a cache of `budget` bytes.
  void MakeRegistry(int64_t budget = 1 << 20) {
    registry_.reset();
    fake_ = std::make_unique<FakeEmbeddingBuilder>();
    cache_ = std::make_unique<EmbeddingCache>(budget);
    registry_ = std::make_unique<VocabularyRegistry>(store_.get(), cache_.get(), fake_->AsBuilder(),
                                                     limits_);
  }

  void SetUp() override { MakeRegistry(); }

  Limits limits_;
  std::unique_ptr<VocabularyStore> store_;
  std::unique_ptr<FakeEmbeddingBuilder> fake_;
  std::unique_ptr<EmbeddingCache> cache_;
  std::unique_ptr<VocabularyRegistry> registry_;
};

TEST_F(VocabularyRegistryTest, RegisterStoresBuildsAndReports) {
  absl::StatusOr<VocabularyRegistry::Registration> r =
      registry_->Register(Pets(), "pets", kUnsetWeight);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->id, VocabularyId(Pets()));
  EXPECT_FALSE(r->already_registered);
  EXPECT_EQ(r->num_classes, 3);
  EXPECT_EQ(r->num_queries, 4);
  EXPECT_GE(r->build_ms, 0.0);
  EXPECT_EQ(fake_->calls(), 1);
  EXPECT_TRUE(registry_->IsResident(r->id));
  EXPECT_EQ(registry_->ResidentBytes(r->id), 4 * kBytesPerQuery);

  absl::StatusOr<VocabularyRecord> stored = registry_->Get(r->id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->id, r->id);
  EXPECT_EQ(stored->display_name, "pets");
  EXPECT_EQ(RecordText(*stored),
            RecordText(VocabularyRecord{r->id, "pets", Pets(), stored->created_unix_ms}));
  EXPECT_GT(stored->created_unix_ms, 1'600'000'000'000);  // a real clock, after 2020

  absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> e =
      registry_->Embeddings(r->id, kUnsetWeight);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->class_names, (std::vector<std::string>{"background", "cat", "dog"}));
  EXPECT_EQ(fake_->calls(), 1);  // resident: no second build
}

TEST_F(VocabularyRegistryTest, RegisteringTheSameContentAgainChangesNothing) {
  const std::string id = registry_->Register(Pets(), "pets", kUnsetWeight)->id;
  // Built again: the same content. (An explicit 0.05 is other content since issue 13: unset means
  // the preset's weight; vocabulary_id_test checks that.)
  const Vocabulary same = Pets();
  absl::StatusOr<VocabularyRegistry::Registration> again =
      registry_->Register(same, "animals", kUnsetWeight);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->id, id);
  EXPECT_TRUE(again->already_registered);
  EXPECT_EQ(again->build_ms, 0.0);
  EXPECT_EQ(fake_->calls(), 1);
  EXPECT_EQ(registry_->Get(id)->display_name, "pets");
  EXPECT_EQ(registry_->List()->size(), 1u);
}

TEST_F(VocabularyRegistryTest, InvalidDefinitionsAreRefusedBeforeAnything) {
  const absl::Status status =
      registry_->Register(MakeDefinition({{{"cat"}, ""}, {{}, "no names"}}), "bad", kUnsetWeight)
          .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("class 1 has no names"));
  EXPECT_EQ(fake_->calls(), 0);
  EXPECT_EQ(*store_->Count(), 0);
}

TEST_F(VocabularyRegistryTest, AFailedBuildStoresNothing) {
  fake_->FailWith(absl::InvalidArgumentError("prompt too long"));
  const absl::Status status = registry_->Register(Pets(), "pets", kUnsetWeight).status();
  EXPECT_EQ(status, absl::InvalidArgumentError("prompt too long"));
  EXPECT_EQ(*store_->Count(), 0);
  EXPECT_FALSE(registry_->IsResident(VocabularyId(Pets())));
}

TEST_F(VocabularyRegistryTest, EmbeddingsOverTheCacheBudgetAreRefusedAndNotStored) {
  MakeRegistry(/*budget=*/3 * kBytesPerQuery);  // Pets needs 4 queries
  const absl::Status status = registry_->Register(Pets(), "pets", kUnsetWeight).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("cache_budget_bytes"));
  EXPECT_EQ(*store_->Count(), 0);
}

TEST_F(VocabularyRegistryTest, MaxVocabulariesIsEnforced) {
  limits_.max_vocabularies = 2;
  MakeRegistry();
  const std::string first = registry_->Register(NumberedDefinition(1), "one", kUnsetWeight)->id;
  ASSERT_TRUE(registry_->Register(NumberedDefinition(2), "two", kUnsetWeight).ok());
  const absl::Status full =
      registry_->Register(NumberedDefinition(3), "three", kUnsetWeight).status();
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(full.message(), AllOf(HasSubstr("max_vocabularies"), HasSubstr("2")));
  EXPECT_EQ(fake_->calls(), 2);  // no build spent on the refused one
  EXPECT_FALSE(registry_->IsResident(VocabularyId(NumberedDefinition(3))));
  // Content already stored needs no room.
  EXPECT_TRUE(registry_->Register(NumberedDefinition(2), "two again", kUnsetWeight).ok());
  // Deleting one makes room.
  ASSERT_TRUE(registry_->Delete(first).ok());
  EXPECT_TRUE(registry_->Register(NumberedDefinition(3), "three", kUnsetWeight).ok());
  EXPECT_EQ(*store_->Count(), 2);
}

TEST_F(VocabularyRegistryTest, ConcurrentRegistrationsCannotOvershootTheLimit) {
  limits_.max_vocabularies = 3;
  MakeRegistry();
  constexpr int kThreads = 8;
  std::vector<absl::Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &results] {
      results[t] = registry_->Register(NumberedDefinition(t), "x", kUnsetWeight).status();
    });
  }
  for (std::thread& thread : threads) thread.join();
  int ok = 0;
  for (const absl::Status& status : results) {
    if (status.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
    }
  }
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(*store_->Count(), 3);
  // Refused registrations leave no resident embeddings behind.
  EXPECT_EQ(cache_->stats().entries, 3);
}

TEST_F(VocabularyRegistryTest, DeleteThenGetIsNotFound) {
  const std::string id = registry_->Register(Pets(), "pets", kUnsetWeight)->id;
  ASSERT_TRUE(registry_->Delete(id).ok());
  const absl::Status get = registry_->Get(id).status();
  EXPECT_EQ(get.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(get.message(), HasSubstr("no vocabulary with id " + id));
  EXPECT_FALSE(registry_->IsResident(id));
  EXPECT_EQ(registry_->ResidentBytes(id), 0);
  EXPECT_EQ(registry_->Embeddings(id, kUnsetWeight).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(registry_->Delete(id).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(fake_->calls(), 1);  // Embeddings() of a deleted id builds nothing
}

TEST_F(VocabularyRegistryTest, MalformedIdsAreInvalidArguments) {
  for (const std::string& bad : {std::string("../x"), std::string("voc-123"), std::string("")}) {
    EXPECT_EQ(registry_->Get(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(registry_->Embeddings(bad, kUnsetWeight).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(registry_->Delete(bad).code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(VocabularyRegistryTest, AnEvictedVocabularyIsRebuiltOnUse) {
  MakeRegistry(/*budget=*/4 * kBytesPerQuery);  // room for Pets' 4 queries and nothing else
  const std::string pets = registry_->Register(Pets(), "pets", kUnsetWeight)->id;
  const std::string one = registry_->Register(NumberedDefinition(1), "one", kUnsetWeight)->id;
  EXPECT_FALSE(registry_->IsResident(pets));
  EXPECT_EQ(fake_->calls(), 2);
  absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> e =
      registry_->Embeddings(pets, kUnsetWeight);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->embeddings.size(0), 4);
  EXPECT_EQ(fake_->calls(), 3);
  EXPECT_FALSE(registry_->IsResident(one));
  EXPECT_EQ(cache_->stats().evictions, 2);
}

// Issue 13: a vocabulary that leaves its description weight unset takes the weight of the preset
// it is segmented with; one that sets it keeps it whatever the preset.
TEST_F(VocabularyRegistryTest, AnUnsetWeightIsThePresetsAndAnExplicitOneWins) {
  const std::string unset = registry_->Register(Pets(), "pets", 0.05)->id;
  ASSERT_TRUE(registry_->Embeddings(unset, 0.15).ok());  // Context60's weight: a build of its own
  ASSERT_TRUE(registry_->Embeddings(unset, 0.20).ok());  // COCO-Stuff's
  ASSERT_TRUE(registry_->Embeddings(unset, 0.15).ok());  // resident now
  ASSERT_TRUE(registry_->Embeddings(unset, 0.05).ok());  // the registration's
  EXPECT_EQ(fake_->weights(), (std::vector<double>{0.05, 0.15, 0.20}));
  EXPECT_EQ(registry_->ResidentBytes(unset), 3 * 4 * kBytesPerQuery);

  Vocabulary fixed = Pets();
  fixed.description_weight = 0.3;
  const std::string explicit_id = registry_->Register(fixed, "fixed", 0.05)->id;
  EXPECT_NE(explicit_id, unset);
  ASSERT_TRUE(registry_->Embeddings(explicit_id, 0.15).ok());
  ASSERT_TRUE(registry_->Embeddings(explicit_id, 0.20).ok());
  EXPECT_EQ(fake_->weights(), (std::vector<double>{0.05, 0.15, 0.20, 0.3}));

  // Delete drops every weight's embeddings.
  ASSERT_TRUE(registry_->Delete(unset).ok());
  EXPECT_FALSE(registry_->IsResident(unset));
  EXPECT_EQ(registry_->ResidentBytes(unset), 0);
  EXPECT_TRUE(registry_->IsResident(explicit_id));
}

TEST_F(VocabularyRegistryTest, AnExplicitWeightVocabularyBuiltFromTheStoreIsCachedOnce) {
  Vocabulary fixed = Pets();
  fixed.description_weight = 0.3;
  const std::string id = registry_->Register(fixed, "fixed", 0.05)->id;
  MakeRegistry();  // a restart: the store holds it, nothing is resident
  ASSERT_TRUE(registry_->Embeddings(id, 0.15).ok());
  ASSERT_TRUE(registry_->Embeddings(id, 0.20).ok());
  EXPECT_EQ(fake_->weights(), (std::vector<double>{0.3}));
}

// A record stored by an earlier version: its id hashed the unset weight as 0.05, which is what the
// vocabulary meant then. It is served with 0.05, not refused as edited.
TEST_F(VocabularyRegistryTest, ARecordStoredByAnEarlierVersionKeepsItsWeight) {
  VocabularyRecord record;
  record.definition = Pets();
  record.id = LegacyVocabularyId(Pets());
  ASSERT_NE(record.id, VocabularyId(Pets()));
  ASSERT_TRUE(store_->Put(record).ok());
  absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> e =
      registry_->Embeddings(record.id, 0.20);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(fake_->weights(), (std::vector<double>{0.05}));
}

TEST_F(VocabularyRegistryTest, AnEditedStoredDefinitionIsDataLoss) {
  VocabularyRecord record;
  record.definition = Pets();
  record.id = VocabularyId(NumberedDefinition(9));  // not Pets' content id
  ASSERT_TRUE(store_->Put(record).ok());
  const absl::Status status = registry_->Embeddings(record.id, kUnsetWeight).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr(VocabularyId(Pets())));
  EXPECT_EQ(fake_->calls(), 0);
}

TEST_F(VocabularyRegistryTest, ConcurrentRequestsForOneIdShareOneBuild) {
  // Stored directly (as by another replica), so that nothing is resident yet.
  VocabularyRecord record;
  record.definition = Pets();
  record.id = VocabularyId(Pets());
  ASSERT_TRUE(store_->Put(record).ok());

  fake_->HoldBuilds();
  constexpr int kThreads = 8;
  std::vector<absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &record, &results] {
      results[t] = registry_->Embeddings(record.id, kUnsetWeight);
    });
  }
  // Every thread has missed the cache (under the registry's lock, so each has joined the flight
  // or leads it) before the build may finish.
  fake_->entered().WaitForNotification();
  while (cache_->stats().misses < kThreads) std::this_thread::yield();
  fake_->Release();
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(fake_->calls(), 1);
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(*result, *results[0]);  // the very same object
  }
  EXPECT_TRUE(registry_->IsResident(record.id));
}

TEST_F(VocabularyRegistryTest, AFailedBuildReachesEveryWaiterAndIsNotCached) {
  VocabularyRecord record;
  record.definition = Pets();
  record.id = VocabularyId(Pets());
  ASSERT_TRUE(store_->Put(record).ok());

  fake_->HoldBuilds();
  fake_->FailWith(absl::UnavailableError("device lost"));
  constexpr int kThreads = 8;
  std::vector<absl::Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &record, &results] {
      results[t] = registry_->Embeddings(record.id, kUnsetWeight).status();
    });
  }
  fake_->entered().WaitForNotification();
  while (cache_->stats().misses < kThreads) std::this_thread::yield();
  fake_->Release();
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(fake_->calls(), 1);
  for (const absl::Status& status : results) {
    EXPECT_EQ(status, absl::UnavailableError("device lost"));
  }
  EXPECT_FALSE(registry_->IsResident(record.id));
  // The next request builds again, and this time succeeds.
  fake_->FailWith(absl::OkStatus());
  EXPECT_TRUE(registry_->Embeddings(record.id, kUnsetWeight).ok());
  EXPECT_EQ(fake_->calls(), 2);
  EXPECT_TRUE(registry_->IsResident(record.id));
}

TEST(VocabularyRegistryRestartTest, ANewRegistryOnTheSameFolderRebuildsOnFirstUse) {
  const std::string dir = itaclip::testing::ScratchDir() + "/store";
  std::string id;
  {
    auto store = OpenFolderVocabularyStore(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    EmbeddingCache cache(1 << 20);
    FakeEmbeddingBuilder fake;
    VocabularyRegistry registry(store->get(), &cache, fake.AsBuilder(), Limits());
    absl::StatusOr<VocabularyRegistry::Registration> r =
        registry.Register(Pets(), "pets", kUnsetWeight);
    ASSERT_TRUE(r.ok()) << r.status();
    id = r->id;
  }
  // The process restarts (or another replica shares the folder).
  auto store = OpenFolderVocabularyStore(dir);
  ASSERT_TRUE(store.ok()) << store.status();
  EmbeddingCache cache(1 << 20);
  FakeEmbeddingBuilder fake;
  VocabularyRegistry registry(store->get(), &cache, fake.AsBuilder(), Limits());

  absl::StatusOr<VocabularyRecord> stored = registry.Get(id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->display_name, "pets");
  EXPECT_THAT(*registry.List(), ElementsAre(Field(&VocabularyRecord::id, id)));
  EXPECT_FALSE(registry.IsResident(id));
  EXPECT_EQ(registry.ResidentBytes(id), 0);

  absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> first =
      registry.Embeddings(id, kUnsetWeight);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> second =
      registry.Embeddings(id, kUnsetWeight);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(fake.calls(), 1);
  EXPECT_TRUE(registry.IsResident(id));
  EXPECT_EQ(registry.ResidentBytes(id), 4 * kBytesPerQuery);
  EXPECT_EQ((*first)->query_class, (std::vector<int>{0, 1, 1, 2}));
}

}  // namespace
}  // namespace itaclip::server
