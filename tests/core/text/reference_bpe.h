// Test helpers for the BPE tokenizer tests: an independent construction of
// CLIP's vocabulary and BPE from the spec, the Python test vectors, and a
// fixture that loads the real tokenizer once per suite.
#ifndef ITACLIP_TESTS_CORE_TEXT_REFERENCE_BPE_H_
#define ITACLIP_TESTS_CORE_TEXT_REFERENCE_BPE_H_

#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/text/bpe_tokenizer.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/test_paths.h"

namespace itaclip::text::reference {

inline std::string MergesPath() {
  return testing::SharedPath("reference/clip/bpe_simple_vocab_16e6.txt.gz");
}

inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void WriteFileBytes(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

inline std::string Gunzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  EXPECT_NE(file, nullptr);
  std::string text;
  char buffer[1 << 15];
  int n = 0;
  while ((n = gzread(file, buffer, sizeof(buffer))) > 0) text.append(buffer, n);
  gzclose(file);
  return text;
}

inline std::string Utf8(uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

// An independent construction of CLIP's vocabulary and BPE straight from spec
// §2.1, §2.2 and §2.5, with string symbols as in simple_tokenizer.py; used as
// the oracle for non-ASCII words and to write the Hugging Face files.
struct ReferenceBpe {
  std::vector<std::string> byte_char = std::vector<std::string>(256);  // indexed by byte value
  std::vector<std::string> vocab;                                      // indexed by id
  std::map<std::string, int> encoder;
  std::map<std::pair<std::string, std::string>, int> ranks;
  std::vector<std::string> merge_lines;

  explicit ReferenceBpe(const std::string& merges_text) {
    std::vector<int> order;
    for (int b = 33; b <= 126; ++b) order.push_back(b);
    for (int b = 161; b <= 172; ++b) order.push_back(b);
    for (int b = 174; b <= 255; ++b) order.push_back(b);
    std::vector<bool> printable(256, false);
    for (const int b : order) printable[b] = true;
    for (const int b : order) byte_char[b] = Utf8(b);
    int extra = 0;
    for (int b = 0; b < 256; ++b) {
      if (!printable[b]) {
        byte_char[b] = Utf8(256 + extra++);
        order.push_back(b);
      }
    }
    for (const int b : order) vocab.push_back(byte_char[b]);
    for (const int b : order) vocab.push_back(byte_char[b] + "</w>");
    std::istringstream lines(merges_text);
    std::string line;
    std::getline(lines, line);  // "#version: 0.2"
    while (merge_lines.size() < 48894 && std::getline(lines, line)) {
      const size_t space = line.find(' ');
      ranks[{line.substr(0, space), line.substr(space + 1)}] = static_cast<int>(merge_lines.size());
      vocab.push_back(line.substr(0, space) + line.substr(space + 1));
      merge_lines.push_back(line);
    }
    vocab.push_back("<|startoftext|>");
    vocab.push_back("<|endoftext|>");
    for (size_t i = 0; i < vocab.size(); ++i) encoder[vocab[i]] = static_cast<int>(i);
  }

  // bpe() for one pre-token given as UTF-8 bytes, mapped to ids.
  std::vector<int32_t> Encode(const std::string& token) const {
    std::vector<std::string> word;
    for (const char c : token) word.push_back(byte_char[static_cast<unsigned char>(c)]);
    word.back() += "</w>";
    while (word.size() > 1) {
      int best = -1;
      std::pair<std::string, std::string> bigram;
      for (size_t i = 0; i + 1 < word.size(); ++i) {
        const auto it = ranks.find({word[i], word[i + 1]});
        if (it != ranks.end() && (best < 0 || it->second < best)) {
          best = it->second;
          bigram = it->first;
        }
      }
      if (best < 0) break;
      std::vector<std::string> merged;
      for (size_t i = 0; i < word.size(); ++i) {
        if (i + 1 < word.size() && word[i] == bigram.first && word[i + 1] == bigram.second) {
          merged.push_back(bigram.first + bigram.second);
          ++i;
        } else {
          merged.push_back(word[i]);
        }
      }
      word = merged;
    }
    std::vector<int32_t> ids;
    for (const std::string& symbol : word) ids.push_back(encoder.at(symbol));
    return ids;
  }

  std::vector<int32_t> EncodeWords(const std::vector<std::string>& words) const {
    std::vector<int32_t> ids;
    for (const std::string& w : words) {
      const std::vector<int32_t> part = Encode(w);
      ids.insert(ids.end(), part.begin(), part.end());
    }
    return ids;
  }
};

struct TestVector {
  std::string text;
  std::vector<int32_t> ids;
};

inline std::vector<TestVector> LoadTestVectors() {
  std::ifstream in(testing::SharedPath("reference/clip/tokenizer_test_vectors.jsonl"));
  std::vector<TestVector> vectors;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const nlohmann::json json = nlohmann::json::parse(line);
    vectors.push_back(
        {json.at("text").get<std::string>(), json.at("ids").get<std::vector<int32_t>>()});
  }
  return vectors;
}

class SharedTokenizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<BpeTokenizer> loaded = BpeTokenizer::Load(MergesPath());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    tokenizer_ = new BpeTokenizer(*std::move(loaded));
    reference_ = new ReferenceBpe(Gunzip(MergesPath()));
  }
  static void TearDownTestSuite() {
    delete tokenizer_;
    delete reference_;
    tokenizer_ = nullptr;
    reference_ = nullptr;
  }

  static std::vector<int32_t> Encode(const std::string& text) {
    absl::StatusOr<std::vector<int32_t>> ids = tokenizer_->Encode(text);
    EXPECT_TRUE(ids.ok()) << ids.status();
    return ids.ok() ? *ids : std::vector<int32_t>{-1};
  }

  static inline const BpeTokenizer* tokenizer_ = nullptr;
  static inline const ReferenceBpe* reference_ = nullptr;
};

}  // namespace itaclip::text::reference

#endif  // ITACLIP_TESTS_CORE_TEXT_REFERENCE_BPE_H_
