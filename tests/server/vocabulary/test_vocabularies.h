// Test-only helpers for the vocabulary suite: definitions built from plain lists, and a fake
// EmbeddingBuilder that counts its calls, can hold them on a latch and can fail.
#ifndef ITACLIP_TESTS_SERVER_VOCABULARY_TEST_VOCABULARIES_H_
#define ITACLIP_TESTS_SERVER_VOCABULARY_TEST_VOCABULARIES_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "server/vocabulary/vocabulary_registry.h"

namespace itaclip::server::testing {

struct TestClass {
  std::vector<std::string> names;
  std::string description;
};

// A vocabulary with `classes` in order; the description weight is left unset when nullopt.
Vocabulary MakeDefinition(const std::vector<TestClass>& classes, bool background_first = false,
                          std::optional<double> description_weight = std::nullopt);

// A distinct valid one-class vocabulary for each `n` (names {"thing <n>"}).
Vocabulary NumberedDefinition(int n);

// Every field of `record`, spelled out, so that a test can compare two records with EXPECT_EQ and
// see which field differs.
std::string RecordText(const VocabularyRecord& record);

// Embedding rows of the fake: kFakeDim float32 values each, so a vocabulary of Q names takes
// Q * kFakeDim * 4 bytes in the cache.
inline constexpr int64_t kFakeDim = 4;

class FakeEmbeddingBuilder {
 public:
  // A builder that forwards to this object, which must outlive it.
  EmbeddingBuilder AsBuilder();

  int calls() const { return calls_.load(); }
  // The description weight of every build so far, in order.
  std::vector<double> weights() const;

  // From now on, builds wait inside the builder until Release().
  void HoldBuilds() { hold_ = true; }
  void Release() { release_.Notify(); }
  // Notified when a build has entered the builder.
  absl::Notification& entered() { return entered_; }

  // The next builds return `status` (OK: succeed again).
  void FailWith(absl::Status status);

 private:
  absl::StatusOr<text::QueryEmbeddings> Build(const text::VocabularySpec& vocabulary,
                                              double description_weight);

  std::atomic<int> calls_{0};
  std::atomic<bool> hold_{false};
  std::atomic<bool> entered_once_{false};
  absl::Notification entered_;
  absl::Notification release_;
  mutable absl::Mutex mu_;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  std::vector<double> weights_ ABSL_GUARDED_BY(mu_);
};

}  // namespace itaclip::server::testing

#endif  // ITACLIP_TESTS_SERVER_VOCABULARY_TEST_VOCABULARIES_H_
