#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/text/bpe_tokenizer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/core/text/reference_bpe.h"
#include "tests/testing/test_paths.h"

namespace itaclip::text {
namespace {

using reference::Gunzip;
using reference::LoadTestVectors;
using reference::MergesPath;
using reference::ReadFileBytes;
using reference::TestVector;
using reference::WriteFileBytes;
using ::testing::HasSubstr;

class BpeTokenizerFilesTest : public reference::SharedTokenizerTest {
 protected:
  // Writes vocab.json and merges.txt built by the reference construction into
  // `dir`.
  static void WriteHuggingFaceFiles(const std::string& dir, bool swap_two_ids = false) {
    nlohmann::json vocab = nlohmann::json::object();
    for (size_t i = 0; i < reference_->vocab.size(); ++i) vocab[reference_->vocab[i]] = i;
    if (swap_two_ids) {
      vocab["a</w>"] = 321;
      vocab[reference_->vocab[321]] = 320;
    }
    WriteFileBytes(dir + "/vocab.json", vocab.dump());
    std::string merges = "#version: 0.2\n";
    for (const std::string& line : reference_->merge_lines) merges += line + "\n";
    WriteFileBytes(dir + "/merges.txt", merges);
  }
};

TEST_F(BpeTokenizerFilesTest, HuggingFaceFilesGiveTheSameIds) {
  const std::string dir = testing::ScratchDir();
  WriteHuggingFaceFiles(dir);
  for (const std::string& path : {dir, dir + "/vocab.json"}) {
    SCOPED_TRACE(path);
    absl::StatusOr<BpeTokenizer> hf = BpeTokenizer::Load(path);
    ASSERT_TRUE(hf.ok()) << hf.status();
    EXPECT_EQ(hf->vocab_size(), 49408);
    EXPECT_EQ(hf->start_of_text(), 49406);
    EXPECT_EQ(hf->end_of_text(), 49407);
    std::vector<std::string> texts = {"Café naïve", "日本語 😀", "it's 2 CATS!!"};
    for (const TestVector& v : LoadTestVectors()) texts.push_back(v.text);
    for (const std::string& text : texts) {
      const absl::StatusOr<std::vector<int32_t>> ids = hf->Tokenize(text, 77);
      ASSERT_TRUE(ids.ok()) << ids.status();
      EXPECT_EQ(*ids, *tokenizer_->Tokenize(text, 77)) << text;
    }
  }
}

TEST_F(BpeTokenizerFilesTest, HuggingFaceFilesThatDisagreeAreRejected) {
  const std::string dir = testing::ScratchDir();
  WriteHuggingFaceFiles(dir, /*swap_two_ids=*/true);
  const absl::StatusOr<BpeTokenizer> swapped = BpeTokenizer::Load(dir);
  EXPECT_EQ(swapped.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(swapped.status().message(), HasSubstr("vocab.json"));
  EXPECT_THAT(swapped.status().message(), HasSubstr("id 320"));

  const std::string merges = ReadFileBytes(dir + "/merges.txt");
  EXPECT_EQ(BpeTokenizer::FromHuggingFace("{\"a\": 0}", merges).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BpeTokenizer::FromHuggingFace("not json", merges).status().code(),
            absl::StatusCode::kInvalidArgument);

  std::filesystem::remove(dir + "/merges.txt");
  EXPECT_EQ(BpeTokenizer::Load(dir).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(BpeTokenizerFilesTest, LoadErrors) {
  const std::string dir = testing::ScratchDir();
  const absl::StatusOr<BpeTokenizer> missing = BpeTokenizer::Load(dir + "/none.txt.gz");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(dir + "/none.txt.gz"));

  // A truncated gzip stream.
  const std::string gz = ReadFileBytes(MergesPath());
  WriteFileBytes(dir + "/truncated.gz", gz.substr(0, gz.size() / 2));
  const absl::StatusOr<BpeTokenizer> truncated = BpeTokenizer::Load(dir + "/truncated.gz");
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(truncated.status().message(), HasSubstr("truncated.gz"));

  // Not a merges file, and a merges file that is too short.
  WriteFileBytes(dir + "/other.txt", "hello\nworld\n");
  EXPECT_EQ(BpeTokenizer::Load(dir + "/other.txt").status().code(),
            absl::StatusCode::kInvalidArgument);
  const absl::StatusOr<BpeTokenizer> short_file =
      BpeTokenizer::FromOpenAiMerges("#version: 0.2\ni n\n");
  EXPECT_EQ(short_file.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_file.status().message(), HasSubstr("48894"));

  // An uncompressed copy of the merges loads too (zlib reads plain files
  // transparently).
  WriteFileBytes(dir + "/plain.txt", Gunzip(MergesPath()));
  const absl::StatusOr<BpeTokenizer> plain = BpeTokenizer::Load(dir + "/plain.txt");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(*plain->Tokenize("a photo of a dog.", 77),
            *tokenizer_->Tokenize("a photo of a dog.", 77));
}

}  // namespace
}  // namespace itaclip::text
