// Definitions for tests and the fake EmbeddingBuilder (rows of [Q, kFakeDim] filled with the
// query's class index, so that a test can tell which vocabulary it got).
#include "tests/server/vocabulary/test_vocabularies.h"

#include <ATen/ATen.h>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"

namespace itaclip::server::testing {

v1::VocabularyDefinition MakeDefinition(const std::vector<TestClass>& classes,
                                        bool background_first,
                                        std::optional<double> description_weight) {
  v1::VocabularyDefinition definition;
  for (const TestClass& test_class : classes) {
    v1::ClassDefinition& cls = *definition.add_classes();
    for (const std::string& name : test_class.names) cls.add_names(name);
    cls.set_description(test_class.description);
  }
  definition.set_background_first(background_first);
  if (description_weight.has_value()) {
    definition.mutable_text_params()->set_description_weight(*description_weight);
  }
  return definition;
}

v1::VocabularyDefinition NumberedDefinition(int n) {
  return MakeDefinition({{{absl::StrCat("thing ", n)}, ""}});
}

EmbeddingBuilder FakeEmbeddingBuilder::AsBuilder() {
  return [this](const v1::VocabularyDefinition& definition, double description_weight,
                const ShouldContinue& should_continue) -> absl::StatusOr<text::QueryEmbeddings> {
    if (should_continue) RETURN_IF_ERROR(should_continue());
    return Build(definition, description_weight);
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
    const v1::VocabularyDefinition& definition, double description_weight) {
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
  for (int c = 0; c < definition.classes_size(); ++c) {
    result.class_names.push_back(definition.classes(c).names(0));
    for (int n = 0; n < definition.classes(c).names_size(); ++n) {
      result.query_class.push_back(c);
      rows.push_back(at::full({kFakeDim}, static_cast<double>(c), at::kFloat));
    }
  }
  result.embeddings = at::stack(rows);
  return result;
}

}  // namespace itaclip::server::testing
