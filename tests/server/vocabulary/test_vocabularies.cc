// Definitions for tests and the fake EmbeddingBuilder (rows of [Q, kFakeDim] filled with the
// query's class index, so that a test can tell which vocabulary it got).
#include "tests/server/vocabulary/test_vocabularies.h"

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/common/status_macros.h"

namespace itaclip::server::testing {

Vocabulary MakeDefinition(const std::vector<TestClass>& classes, bool background_first,
                          std::optional<double> description_weight) {
  Vocabulary vocabulary;
  for (const TestClass& test_class : classes) {
    vocabulary.spec.classes.push_back(text::ClassSpec{test_class.names, test_class.description});
  }
  vocabulary.spec.background_first = background_first;
  vocabulary.description_weight = description_weight;
  return vocabulary;
}

Vocabulary NumberedDefinition(int n) { return MakeDefinition({{{absl::StrCat("thing ", n)}, ""}}); }

std::string RecordText(const VocabularyRecord& record) {
  const Vocabulary& vocabulary = record.definition;
  std::string text = absl::StrCat("id=", record.id, " display_name=", record.display_name,
                                  " created_unix_ms=", record.created_unix_ms,
                                  " background_first=", vocabulary.spec.background_first);
  absl::StrAppend(&text, " description_weight=",
                  vocabulary.description_weight.has_value()
                      ? absl::StrCat(*vocabulary.description_weight)
                      : std::string("unset"));
  for (const text::ClassSpec& cls : vocabulary.spec.classes) {
    absl::StrAppend(&text, " class{names=[", absl::StrJoin(cls.names, "|"),
                    "] description=", cls.description, "}");
  }
  return text;
}

EmbeddingBuilder FakeEmbeddingBuilder::AsBuilder() {
  return [this](const text::VocabularySpec& vocabulary, double description_weight,
                const ShouldContinue& should_continue) -> absl::StatusOr<text::QueryEmbeddings> {
    if (should_continue) RETURN_IF_ERROR(should_continue());
    return Build(vocabulary, description_weight);
  };
}

void FakeEmbeddingBuilder::FailWith(absl::Status status) {
  absl::MutexLock lock(&mu_);
  failure_ = std::move(status);
}

std::vector<double> FakeEmbeddingBuilder::weights() const {
  absl::MutexLock lock(&mu_);
  return weights_;
}

absl::StatusOr<text::QueryEmbeddings> FakeEmbeddingBuilder::Build(
    const text::VocabularySpec& vocabulary, double description_weight) {
  ++calls_;
  {
    absl::MutexLock lock(&mu_);
    weights_.push_back(description_weight);
  }
  if (!entered_once_.exchange(true)) entered_.Notify();  // Notify() may run only once
  if (hold_) release_.WaitForNotification();
  {
    absl::MutexLock lock(&mu_);
    if (!failure_.ok()) return failure_;
  }
  text::QueryEmbeddings result;
  std::vector<at::Tensor> rows;
  for (int c = 0; c < static_cast<int>(vocabulary.classes.size()); ++c) {
    result.class_names.push_back(vocabulary.classes[c].names[0]);
    for (size_t n = 0; n < vocabulary.classes[c].names.size(); ++n) {
      result.query_class.push_back(c);
      rows.push_back(at::full({kFakeDim}, static_cast<double>(c), at::kFloat));
    }
  }
  result.embeddings = at::stack(rows);
  return result;
}

}  // namespace itaclip::server::testing
