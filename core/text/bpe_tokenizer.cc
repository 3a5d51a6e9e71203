#include "core/text/bpe_tokenizer.h"

#include <zlib.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/common/status_macros.h"
#include "core/text/bpe_vocabulary.h"
#include "core/text/pre_tokenizer.h"
#include "core/text/read_text_file.h"
#include "core/text/text_cleaner.h"

namespace itaclip::text {
namespace {

// The cache only saves time; a bound keeps a long-running server's memory flat
// whatever it is sent.
constexpr size_t kMaxCachedWords = 1 << 16;
// The real file is 1.4 MB uncompressed; anything far larger is not a CLIP
// merges file.
constexpr size_t kMaxMergesFileBytes = 64 << 20;
constexpr size_t kMaxTextInMessage = 200;

struct Merge {
  int32_t rank;
  int32_t merged_id;
};

uint64_t PairKey(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

absl::StatusOr<std::string> ReadGzipFile(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    return absl::NotFoundError(absl::StrCat("tokenizer file not found: ", path));
  }
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::UnknownError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  std::string content;
  std::array<char, 1 << 16> buffer;
  int n = 0;
  while ((n = gzread(file, buffer.data(), buffer.size())) > 0) {
    content.append(buffer.data(), n);
    if (content.size() > kMaxMergesFileBytes) {
      gzclose(file);
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": more than ", kMaxMergesFileBytes,
                       " bytes uncompressed; not a CLIP merges file"));
    }
  }
  int error = Z_OK;
  const char* message = gzerror(file, &error);
  // Z_BUF_ERROR after the last read means a truncated stream.
  if (n < 0 || (error != Z_OK && error != Z_STREAM_END)) {
    const std::string what = message != nullptr ? message : "unknown zlib error";
    gzclose(file);
    return absl::InvalidArgumentError(absl::StrCat(path, ": corrupt gzip data: ", what));
  }
  gzclose(file);
  return content;
}

absl::Status WithPath(const absl::Status& status, const std::string& path) {
  return absl::Status(status.code(), absl::StrCat(path, ": ", status.message()));
}

// `text` cut to at most kMaxTextInMessage bytes, on a UTF-8 character boundary.
absl::string_view ShortenForMessage(absl::string_view text) {
  if (text.size() <= kMaxTextInMessage) return text;
  size_t end = kMaxTextInMessage;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace

struct BpeTokenizer::Model {
  std::array<int32_t, 256> byte_id;      // a byte that is not the last of its pre-token
  std::array<int32_t, 256> byte_end_id;  // the byte followed by "</w>"
  std::unordered_map<uint64_t, Merge> merges;
  int32_t start_of_text = 0;
  int32_t end_of_text = 0;
  int32_t vocab_size = 0;

  // Python's encoder is dict(zip(vocab, range(len(vocab)))): a repeated token
  // keeps its last id.
  static absl::StatusOr<std::shared_ptr<const Model>> Build(const BpeMerges& merges,
                                                            const std::vector<std::string>& vocab) {
    std::unordered_map<std::string, int32_t> encoder;
    encoder.reserve(vocab.size());
    for (size_t id = 0; id < vocab.size(); ++id) encoder[vocab[id]] = static_cast<int32_t>(id);
    auto model = std::make_shared<Model>();
    const ByteTable& table = GetByteTable();
    for (int b = 0; b < 256; ++b) {
      model->byte_id[b] = encoder.at(table.character[b]);
      model->byte_end_id[b] = encoder.at(absl::StrCat(table.character[b], kEndOfWordSuffix));
    }
    model->merges.reserve(merges.size());
    for (size_t rank = 0; rank < merges.size(); ++rank) {
      const auto& [left, right] = merges[rank];
      const auto left_it = encoder.find(left);
      const auto right_it = encoder.find(right);
      if (left_it == encoder.end() || right_it == encoder.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("merge ", rank + 1, " (\"", left, " ", right, "\") uses a symbol that is ",
                         "neither a byte character nor an earlier merge"));
      }
      // A repeated pair keeps its last rank, as Python's dict(zip(merges,
      // range(...))) does.
      model->merges[PairKey(left_it->second, right_it->second)] =
          Merge{static_cast<int32_t>(rank), encoder.at(left + right)};
    }
    model->start_of_text = encoder.at(std::string(kStartOfTextToken));
    model->end_of_text = encoder.at(std::string(kEndOfTextToken));
    model->vocab_size = static_cast<int32_t>(vocab.size());
    return std::shared_ptr<const Model>(std::move(model));
  }

  // simple_tokenizer.bpe(): repeatedly merge every occurrence of the
  // lowest-ranked adjacent pair.
  std::vector<int32_t> Bpe(absl::string_view word) const {
    std::vector<int32_t> symbols;
    symbols.reserve(word.size());
    for (size_t i = 0; i < word.size(); ++i) {
      const auto byte = static_cast<unsigned char>(word[i]);
      symbols.push_back(i + 1 < word.size() ? byte_id[byte] : byte_end_id[byte]);
    }
    std::vector<int32_t> next;
    next.reserve(symbols.size());
    while (symbols.size() > 1) {
      const Merge* best = nullptr;
      int32_t best_left = 0;
      int32_t best_right = 0;
      for (size_t i = 0; i + 1 < symbols.size(); ++i) {
        const auto it = merges.find(PairKey(symbols[i], symbols[i + 1]));
        if (it != merges.end() && (best == nullptr || it->second.rank < best->rank)) {
          best = &it->second;
          best_left = symbols[i];
          best_right = symbols[i + 1];
        }
      }
      if (best == nullptr) break;
      next.clear();
      for (size_t i = 0; i < symbols.size(); ++i) {
        if (i + 1 < symbols.size() && symbols[i] == best_left && symbols[i + 1] == best_right) {
          next.push_back(best->merged_id);
          ++i;
        } else {
          next.push_back(symbols[i]);
        }
      }
      symbols.swap(next);
    }
    return symbols;
  }
};

struct BpeTokenizer::WordCache {
  absl::Mutex mu;
  std::unordered_map<std::string, std::vector<int32_t>> words ABSL_GUARDED_BY(mu);
};

BpeTokenizer::BpeTokenizer(std::shared_ptr<const Model> model)
    : model_(std::move(model)), cache_(std::make_shared<WordCache>()) {}

absl::StatusOr<BpeTokenizer> BpeTokenizer::FromOpenAiMerges(absl::string_view gunzipped_text) {
  ASSIGN_OR_RETURN(const BpeMerges merges, ParseOpenAiMerges(gunzipped_text));
  ASSIGN_OR_RETURN(std::shared_ptr<const Model> model,
                   Model::Build(merges, BuildClipVocabulary(merges)));
  return BpeTokenizer(std::move(model));
}

absl::StatusOr<BpeTokenizer> BpeTokenizer::FromHuggingFace(absl::string_view vocab_json,
                                                           absl::string_view merges_txt) {
  ASSIGN_OR_RETURN(const BpeMerges merges, ParseHuggingFaceMerges(merges_txt));
  const std::vector<std::string> vocabulary = BuildClipVocabulary(merges);
  RETURN_IF_ERROR(CheckHuggingFaceVocabulary(vocab_json, vocabulary));
  ASSIGN_OR_RETURN(std::shared_ptr<const Model> model, Model::Build(merges, vocabulary));
  return BpeTokenizer(std::move(model));
}

absl::StatusOr<BpeTokenizer> BpeTokenizer::Load(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) {
    return absl::NotFoundError(absl::StrCat("tokenizer file not found: ", path));
  }
  std::string vocab_path;
  if (status.type() == fs::file_type::directory) {
    vocab_path = (fs::path(path) / "vocab.json").string();
  } else if (absl::EndsWith(path, ".json")) {
    vocab_path = path;
  }
  if (vocab_path.empty()) {
    ASSIGN_OR_RETURN(const std::string text, ReadGzipFile(path));
    absl::StatusOr<BpeTokenizer> tokenizer = FromOpenAiMerges(text);
    if (!tokenizer.ok()) return WithPath(tokenizer.status(), path);
    return tokenizer;
  }
  const std::string merges_path = (fs::path(vocab_path).parent_path() / "merges.txt").string();
  ASSIGN_OR_RETURN(const std::string vocab_json, ReadTextFile(vocab_path));
  ASSIGN_OR_RETURN(const std::string merges_txt, ReadTextFile(merges_path));
  absl::StatusOr<BpeTokenizer> tokenizer = FromHuggingFace(vocab_json, merges_txt);
  if (!tokenizer.ok()) return WithPath(tokenizer.status(), vocab_path);
  return tokenizer;
}

std::vector<int32_t> BpeTokenizer::EncodeWord(const std::string& word) const {
  // Python's bpe() cache starts with the two special strings, so they map to
  // their own ids.
  if (word == kStartOfTextToken) return {model_->start_of_text};
  if (word == kEndOfTextToken) return {model_->end_of_text};
  {
    absl::ReaderMutexLock lock(&cache_->mu);
    const auto it = cache_->words.find(word);
    if (it != cache_->words.end()) return it->second;
  }
  std::vector<int32_t> ids = model_->Bpe(word);
  absl::MutexLock lock(&cache_->mu);
  if (cache_->words.size() < kMaxCachedWords) cache_->words.emplace(word, ids);
  return ids;
}

absl::StatusOr<std::vector<int32_t>> BpeTokenizer::Encode(absl::string_view text) const {
  ASSIGN_OR_RETURN(const std::u32string cleaned, CleanTextCodePoints(text));
  std::vector<int32_t> ids;
  for (const std::string& word : PreTokenize(cleaned)) {
    const std::vector<int32_t> word_ids = EncodeWord(word);
    ids.insert(ids.end(), word_ids.begin(), word_ids.end());
  }
  return ids;
}

absl::StatusOr<std::vector<int32_t>> BpeTokenizer::Tokenize(absl::string_view text,
                                                            int context_length) const {
  ASSIGN_OR_RETURN(const std::vector<int32_t> ids, Encode(text));
  const size_t length = ids.size() + 2;
  if (context_length < 0 || length > static_cast<size_t>(context_length)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "text needs ", length,
        " tokens with the start and end markers, more than the context length ", context_length,
        ": \"", ShortenForMessage(text), text.size() > kMaxTextInMessage ? "..." : "", "\""));
  }
  std::vector<int32_t> tokens;
  tokens.reserve(length);
  tokens.push_back(model_->start_of_text);
  tokens.insert(tokens.end(), ids.begin(), ids.end());
  tokens.push_back(model_->end_of_text);
  return tokens;
}

int32_t BpeTokenizer::start_of_text() const { return model_->start_of_text; }
int32_t BpeTokenizer::end_of_text() const { return model_->end_of_text; }
int32_t BpeTokenizer::vocab_size() const { return model_->vocab_size; }

}  // namespace itaclip::text
