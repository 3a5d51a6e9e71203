#include "core/text/text_embedder.h"

#include <ATen/ATen.h>

#include "core/text/bpe_tokenizer.h"
#include "core/text/prompt_templates.h"
#include "gtest/gtest.h"
#include "tests/testing/test_paths.h"
#include "tests/testing/tiny_model.h"

namespace itaclip::text {
namespace {

at::Tensor Normalized(const at::Tensor& x) { return x / x.norm(2, -1, true); }

class TextEmbedderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = testing::MakeTinyModel(/*seed=*/3);
    auto tokenizer =
        BpeTokenizer::Load(testing::SharedPath("reference/clip/bpe_simple_vocab_16e6.txt.gz"));
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
    tokenizer_ = std::make_unique<BpeTokenizer>(*std::move(tokenizer));
    auto templates =
        LoadPromptTemplates(testing::SourcePath("configs/templates/openai_imagenet_80.txt"));
    ASSERT_TRUE(templates.ok()) << templates.status();
    templates_ = *templates;
  }

  // Spec §3.2 the slow way: each of the 80 prompts encoded on its own, L2-normalised, averaged,
  // normalised again.
  at::Tensor SlowEnsemble(const std::string& s) {
    std::vector<at::Tensor> rows;
    for (const std::string& t : templates_) {
      auto ids = tokenizer_->Tokenize(FillTemplate(t, s), 77);
      EXPECT_TRUE(ids.ok());
      auto e = model_->EncodeTexts({*ids});
      EXPECT_TRUE(e.ok());
      rows.push_back(Normalized((*e)[0]));
    }
    return Normalized(at::stack(rows).mean(0));
  }

  std::unique_ptr<clip::ClipModel> model_;
  std::unique_ptr<BpeTokenizer> tokenizer_;
  std::vector<std::string> templates_;
};

TEST_F(TextEmbedderTest, EnsembleMatchesPromptByPromptEncoding) {
  TextEmbedder embedder(*model_, *tokenizer_, templates_);
  auto batched = embedder.EnsembleEmbeddings({"dog", "a human being, a living individual."});
  ASSERT_TRUE(batched.ok()) << batched.status();
  EXPECT_TRUE(at::allclose((*batched)[0], SlowEnsemble("dog"), 1e-5, 1e-5));
  EXPECT_TRUE(
      at::allclose((*batched)[1], SlowEnsemble("a human being, a living individual."), 1e-5, 1e-5));
}

TEST_F(TextEmbedderTest, BackgroundFirstVocabulariesLeaveClassZeroUnblended) {
  TextEmbedder embedder(*model_, *tokenizer_, templates_);
  VocabularySpec spec;
  spec.background_first = true;
  spec.classes = {
      {{"sky", "wall"}, ""}, {{"cat"}, "a small pet"}, {{"person", "person in jeans"}, "a human"}};
  const double c = 0.2;
  auto q = embedder.Embed(spec, c);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->query_class, (std::vector<int>{0, 0, 1, 2, 2}));
  EXPECT_EQ(q->class_names, (std::vector<std::string>{"sky", "cat", "person"}));
  const at::Tensor& e = q->embeddings;
  EXPECT_TRUE(at::allclose(e[0], SlowEnsemble("sky"), 1e-5, 1e-5));
  EXPECT_NEAR(e[1].norm().item<double>(), 1.0, 1e-5);
  EXPECT_TRUE(at::allclose(e[2], (1 - c) * SlowEnsemble("cat") + c * SlowEnsemble("a small pet"),
                           1e-5, 1e-5));
  // Every name of a multi-name class is blended with the class's description, not renormalised.
  EXPECT_TRUE(at::allclose(
      e[4], (1 - c) * SlowEnsemble("person in jeans") + c * SlowEnsemble("a human"), 1e-5, 1e-5));
  EXPECT_LT(e[4].norm().item<double>(), 1.0 - 1e-4);
}

TEST_F(TextEmbedderTest, WithoutBackgroundEveryDescribedClassIsBlended) {
  TextEmbedder embedder(*model_, *tokenizer_, templates_);
  VocabularySpec spec;
  spec.classes = {{{"road"}, "a paved way"}, {{"car"}, ""}};
  auto q = embedder.Embed(spec, 0.05);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_TRUE(at::allclose(q->embeddings[0],
                           0.95 * SlowEnsemble("road") + 0.05 * SlowEnsemble("a paved way"), 1e-5,
                           1e-5));
  // No description: nothing to blend with.
  EXPECT_TRUE(at::allclose(q->embeddings[1], SlowEnsemble("car"), 1e-5, 1e-5));
}

TEST_F(TextEmbedderTest, RejectsBadVocabularies) {
  TextEmbedder embedder(*model_, *tokenizer_, templates_);
  EXPECT_EQ(embedder.Embed(VocabularySpec{}, 0.1).status().code(),
            absl::StatusCode::kInvalidArgument);
  VocabularySpec empty_name;
  empty_name.classes = {{{""}, ""}};
  EXPECT_EQ(embedder.Embed(empty_name, 0.1).status().code(), absl::StatusCode::kInvalidArgument);
  VocabularySpec ok;
  ok.classes = {{{"cat"}, ""}};
  EXPECT_EQ(embedder.Embed(ok, 1.5).status().code(), absl::StatusCode::kInvalidArgument);
  VocabularySpec too_long;
  std::string words;
  for (int i = 0; i < 80; ++i) words += "word ";
  too_long.classes = {{{words}, ""}};
  EXPECT_EQ(embedder.Embed(too_long, 0.1).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace itaclip::text
