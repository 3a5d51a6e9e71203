// The registry wired to the real text tower (a tiny random CLIP model), as the server wires it: the
// builder runs text::TextEmbedder::Embed(vocabulary.spec, weight), with the registry
// choosing the weight (the definition's own, else the preset's).
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "core/text/bpe_tokenizer.h"
#include "core/text/prompt_templates.h"
#include "core/text/text_embedder.h"
#include "gtest/gtest.h"
#include "server/vocabulary/embedding_cache.h"
#include "server/vocabulary/memory_vocabulary_store.h"
#include "server/vocabulary/vocabulary_definition.h"
#include "server/vocabulary/vocabulary_registry.h"
#include "tests/server/vocabulary/test_vocabularies.h"
#include "tests/testing/test_paths.h"
#include "tests/testing/tiny_model.h"

namespace itaclip::server {
namespace {

// The description weight for vocabularies that leave theirs to the preset (VOC21's).
constexpr double kUnsetWeight = 0.05;

using ::itaclip::server::testing::MakeDefinition;

TEST(VocabularyRegistryTextEmbedderTest, RegisteringBuildsOneRowPerName) {
  std::unique_ptr<clip::ClipModel> model = itaclip::testing::MakeTinyModel(/*seed=*/3);
  absl::StatusOr<text::BpeTokenizer> tokenizer = text::BpeTokenizer::Load(
      itaclip::testing::SharedPath("reference/clip/bpe_simple_vocab_16e6.txt.gz"));
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  absl::StatusOr<std::vector<std::string>> templates = text::LoadPromptTemplates(
      itaclip::testing::SourcePath("configs/templates/openai_imagenet_80.txt"));
  ASSERT_TRUE(templates.ok()) << templates.status();
  const text::TextEmbedder embedder(*model, *tokenizer, *templates);

  std::unique_ptr<VocabularyStore> store = MakeMemoryVocabularyStore();
  EmbeddingCache cache(1 << 20);
  int builds = 0;
  VocabularyRegistry registry(
      store.get(), &cache,
      [&embedder, &builds](const text::VocabularySpec& vocabulary, double weight,
                           const ShouldContinue&) {
        ++builds;
        return embedder.Embed(vocabulary, weight);
      },
      Limits());

  const Vocabulary definition =
      MakeDefinition({{{"sky"}, ""}, {{"cat", "kitten"}, "a small pet"}, {{"person"}, "a human"}},
                     /*background_first=*/true, /*description_weight=*/0.3);
  absl::StatusOr<VocabularyRegistry::Registration> r =
      registry.Register(definition, "pets", kUnsetWeight);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->num_classes, 3);
  EXPECT_EQ(r->num_queries, 4);

  absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> e =
      registry.Embeddings(r->id, kUnsetWeight);
  ASSERT_TRUE(e.ok()) << e.status();
  const text::QueryEmbeddings& q = **e;
  const int64_t embed_dim = model->config().embed_dim;
  ASSERT_EQ(q.embeddings.dim(), 2);
  EXPECT_EQ(q.embeddings.size(0), 4);
  EXPECT_EQ(q.embeddings.size(1), embed_dim);
  EXPECT_EQ(q.query_class, (std::vector<int>{0, 1, 1, 2}));
  EXPECT_EQ(q.class_names, (std::vector<std::string>{"sky", "cat", "person"}));
  EXPECT_EQ(registry.ResidentBytes(r->id), 4 * embed_dim * 4);
  EXPECT_EQ(builds, 1);

  // The registry passed the definition's own weight (0.3, not the preset's 0.05) to the embedder.
  text::VocabularySpec spec;
  spec.background_first = true;
  spec.classes = {{{"sky"}, ""}, {{"cat", "kitten"}, "a small pet"}, {{"person"}, "a human"}};
  absl::StatusOr<text::QueryEmbeddings> direct = embedder.Embed(spec, 0.3);
  ASSERT_TRUE(direct.ok()) << direct.status();
  EXPECT_TRUE(at::allclose(q.embeddings, direct->embeddings, 1e-6, 1e-6));
  absl::StatusOr<text::QueryEmbeddings> default_weight = embedder.Embed(spec, 0.05);
  ASSERT_TRUE(default_weight.ok());
  EXPECT_FALSE(at::allclose(q.embeddings, default_weight->embeddings, 1e-6, 1e-6));
}

}  // namespace
}  // namespace itaclip::server
