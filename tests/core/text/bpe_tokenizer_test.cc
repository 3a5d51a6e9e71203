#include "core/text/bpe_tokenizer.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "core/text/class_file.h"
#include "core/text/prompt_templates.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/text/reference_bpe.h"
#include "tests/testing/test_paths.h"

namespace itaclip::text {
namespace {

using reference::LoadTestVectors;
using reference::MergesPath;
using reference::TestVector;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using BpeTokenizerTest = reference::SharedTokenizerTest;

TEST_F(BpeTokenizerTest, EveryPythonTestVectorMatches) {
  const std::vector<TestVector> vectors = LoadTestVectors();
  ASSERT_EQ(vectors.size(), 104u);
  for (const TestVector& v : vectors) {
    const absl::StatusOr<std::vector<int32_t>> tokens = tokenizer_->Tokenize(v.text, 77);
    ASSERT_TRUE(tokens.ok()) << v.text << ": " << tokens.status();
    EXPECT_EQ(*tokens, v.ids) << v.text;
  }
}

TEST_F(BpeTokenizerTest, LayoutMatchesTheSpec) {
  EXPECT_EQ(tokenizer_->vocab_size(), 49408);
  EXPECT_EQ(tokenizer_->start_of_text(), 49406);
  EXPECT_EQ(tokenizer_->end_of_text(), 49407);
  // Spec §2.2: 'a' is at position 97 - 33 = 64 of the byte table, so "a</w>" is
  // 256 + 64.
  EXPECT_THAT(Encode("a"), ElementsAre(320));
  EXPECT_EQ(reference_->encoder.at("a</w>"), 320);
  EXPECT_EQ(reference_->vocab.size(), 49408u);
  EXPECT_THAT(Encode("<|endoftext|>"), ElementsAre(49407));
  EXPECT_THAT(Encode("<|startoftext|>"), ElementsAre(49406));
  const absl::StatusOr<std::vector<int32_t>> empty = tokenizer_->Tokenize("", 77);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_THAT(*empty, ElementsAre(49406, 49407));
}

TEST_F(BpeTokenizerTest, TooLongTextIsAnErrorNeverTruncated) {
  std::string text;
  for (int i = 0; i < 75; ++i) text += "a ";
  const absl::StatusOr<std::vector<int32_t>> fits = tokenizer_->Tokenize(text, 77);
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->size(), 77u);

  text += "a";
  const absl::StatusOr<std::vector<int32_t>> too_long = tokenizer_->Tokenize(text, 77);
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_long.status().message(), HasSubstr("78"));
  EXPECT_THAT(too_long.status().message(), HasSubstr("77"));
  EXPECT_THAT(too_long.status().message(), HasSubstr("a a a"));

  EXPECT_EQ(tokenizer_->Tokenize("a photo", 3).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(tokenizer_->Tokenize("a photo", 4).ok());
}

TEST_F(BpeTokenizerTest, ContractionsDigitsAndWhitespace) {
  EXPECT_EQ(Encode("'sun"), reference_->EncodeWords({"'s", "un"}));
  EXPECT_EQ(Encode("'sun"), Encode("'s un"));
  // Each digit is its own pre-token, so it always ends a word.
  EXPECT_THAT(Encode("2024"),
              ElementsAre(reference_->encoder.at("2</w>"), reference_->encoder.at("0</w>"),
                          reference_->encoder.at("2</w>"), reference_->encoder.at("4</w>")));
  EXPECT_EQ(Encode("a\xC2\xA0\xE3\x80\x80photo\n\tof "), Encode("a photo of"));
  EXPECT_EQ(Encode("wood ."), Encode("wood."));
}

TEST_F(BpeTokenizerTest, NonAsciiGoesThroughTheByteTable) {
  EXPECT_EQ(Encode("Café"), Encode("café"));
  EXPECT_EQ(Encode("Café"), reference_->Encode("café"));
  EXPECT_EQ(Encode("NAÏVE Straße"), reference_->EncodeWords({"naïve", "straße"}));
  EXPECT_EQ(Encode("ПРИВЕТ, мир"), reference_->EncodeWords({"привет", ",", "мир"}));
  EXPECT_EQ(Encode("日本語の写真"), reference_->Encode("日本語の写真"));
  EXPECT_EQ(Encode("😀 x"), reference_->EncodeWords({"😀", "x"}));
  // "é" alone starts as the byte characters "Ã" (0xC3) and "©</w>" (0xA9).
  EXPECT_EQ(reference_->byte_char[0xC3], "Ã");
  EXPECT_EQ(reference_->byte_char[0xA9], "©");
  EXPECT_EQ(Encode("é"), reference_->Encode("é"));
}

TEST_F(BpeTokenizerTest, InvalidUtf8IsAnError) {
  EXPECT_EQ(tokenizer_->Encode("caf\xC3").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(tokenizer_->Tokenize("\xFF photo", 77).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(BpeTokenizerTest, ConcurrentCallsAgree) {
  const std::vector<TestVector> vectors = LoadTestVectors();
  // A fresh tokenizer, so that the threads race on an empty cache.
  absl::StatusOr<BpeTokenizer> fresh = BpeTokenizer::Load(MergesPath());
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  std::vector<int> failures(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        for (size_t i = t; i < vectors.size() + t; ++i) {
          const TestVector& v = vectors[i % vectors.size()];
          const absl::StatusOr<std::vector<int32_t>> tokens = fresh->Tokenize(v.text, 77);
          if (!tokens.ok() || *tokens != v.ids) ++failures[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, ::testing::Each(0));
}

TEST_F(BpeTokenizerTest, AllItaclipPromptsFitAndTokenizeFast) {
  const auto templates =
      LoadPromptTemplates(testing::SharedPath("reference/itaclip/imagenet_templates.txt"));
  ASSERT_TRUE(templates.ok()) << templates.status();
  const struct {
    const char* dataset;
    const char* aux;
    bool background_first;
    size_t prompts;  // spec §9
  } datasets[] = {{"voc21", "voc21_definitions", true, 8000},
                  {"context60", "context60_definitions", true, 10720},
                  {"coco_object", "coco_object_synonyms", true, 15920},
                  {"coco_stuff", "coco_stuff_definitions", false, 28320},
                  {"cityscapes", "cityscapes_synonyms", false, 3600}};
  size_t longest = 0;
  for (const auto& d : datasets) {
    SCOPED_TRACE(d.dataset);
    const std::string root = testing::SharedPath("reference/itaclip/");
    const auto spec =
        LoadVocabularySpec(root + "cls_" + d.dataset + ".txt",
                           root + "llama_generated_texts/" + d.aux + ".txt", d.background_first);
    ASSERT_TRUE(spec.ok()) << spec.status();
    std::vector<std::string> prompts;
    for (const ClassSpec& cls : spec->classes) {
      for (const std::string& tmpl : *templates) {
        for (const std::string& name : cls.names) prompts.push_back(FillTemplate(tmpl, name));
        if (!cls.description.empty()) prompts.push_back(FillTemplate(tmpl, cls.description));
      }
    }
    ASSERT_EQ(prompts.size(), d.prompts);
    // A fresh tokenizer: the timing includes filling its word cache.
    absl::StatusOr<BpeTokenizer> fresh = BpeTokenizer::Load(MergesPath());
    ASSERT_TRUE(fresh.ok()) << fresh.status();
    const auto start = std::chrono::steady_clock::now();
    for (const std::string& prompt : prompts) {
      const absl::StatusOr<std::vector<int32_t>> tokens = fresh->Tokenize(prompt, 77);
      ASSERT_TRUE(tokens.ok()) << tokens.status();
      longest = std::max(longest, tokens->size());
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << d.dataset << ": " << prompts.size() << " prompts tokenized in " << seconds
              << " s\n";
    // The target is well under a second; the bound leaves room for a loaded CI
    // machine.
    EXPECT_LT(seconds, 5.0);
  }
  // Spec §2.6: no ITACLIP string comes close to 77, the longest being 50.
  EXPECT_EQ(longest, 50u);
}

}  // namespace
}  // namespace itaclip::text
