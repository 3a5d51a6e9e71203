// CLIP's BPE tokenizer: openai/CLIP's clip/simple_tokenizer.py plus
// clip.tokenize (spec §2).
//
// Encode(text) = clean (text_cleaner.h), pre-tokenise (pre_tokenizer.h), then
// byte-level BPE per pre-token. For printable ASCII without '&' (every string
// ITACLIP feeds in) the ids are exactly Python's; for other text the
// differences are those listed in text_cleaner.h (no ftfy in C++: a subset of
// its fixes, no NFC, no mojibake repair; Unicode 14.0 tables; approximate
// final sigma).
//
// Non-ASCII letters go through the byte table like any other byte: "Café"
// cleans to "café", one letter run, whose UTF-8 bytes c a f 0xC3 0xA9 start
// BPE as the characters "c", "a", "f", "Ã", "©</w>".
//
// Input must be valid UTF-8, else INVALID_ARGUMENT. A pre-token that is
// exactly "<|startoftext|>" or "<|endoftext|>" becomes that special id, as in
// Python: such text inside a prompt is not escaped.
#ifndef ITACLIP_CORE_TEXT_BPE_TOKENIZER_H_
#define ITACLIP_CORE_TEXT_BPE_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace itaclip::text {

// Immutable after construction apart from an internal per-pre-token cache
// (bounded, guarded by a mutex), so concurrent const calls from many threads
// are safe. Copies are cheap and share the vocabulary and the cache.
class BpeTokenizer {
 public:
  // Loads from `path`: OpenAI's bpe_simple_vocab_16e6.txt.gz (read with zlib;
  // an uncompressed copy is accepted too), or a Hugging Face tokenizer
  // directory holding vocab.json and merges.txt, or the path of such a
  // vocab.json (with merges.txt beside it). Errors: NOT_FOUND for a missing
  // file; INVALID_ARGUMENT for corrupt gzip data or for content that
  // FromOpenAiMerges / FromHuggingFace reject. Messages name the path.
  static absl::StatusOr<BpeTokenizer> Load(const std::string& path);

  // Builds from the gunzipped text of bpe_simple_vocab_16e6.txt.gz: a
  // "#version" line, then merges; the first 48894 are used (ids 512..49405),
  // SOT = 49406, EOT = 49407, 49408 ids in all. Errors: INVALID_ARGUMENT (see
  // ParseOpenAiMerges), or a merge whose symbols are not tokens.
  static absl::StatusOr<BpeTokenizer> FromOpenAiMerges(absl::string_view gunzipped_text);

  // Builds from the contents of a Hugging Face vocab.json and merges.txt. The
  // two must agree with each other and with CLIP's layout (ids of bytes, of
  // merged tokens and of the specials), which makes the ids identical to
  // FromOpenAiMerges. Errors: INVALID_ARGUMENT naming the first disagreement.
  static absl::StatusOr<BpeTokenizer> FromHuggingFace(absl::string_view vocab_json,
                                                      absl::string_view merges_txt);

  // The BPE ids of `text` (UTF-8), without start/end markers, never truncated.
  // "" gives no ids. Errors: INVALID_ARGUMENT if `text` is not valid UTF-8.
  absl::StatusOr<std::vector<int32_t>> Encode(absl::string_view text) const;

  // clip.tokenize(text, context_length, truncate=False) without the zero
  // padding: [start_of_text()] + Encode(text) + [end_of_text()]. Errors:
  // INVALID_ARGUMENT if `text` is not valid UTF-8, or if that sequence is
  // longer than `context_length` (the message gives both lengths and the text,
  // cut to its first 200 bytes).
  absl::StatusOr<std::vector<int32_t>> Tokenize(absl::string_view text, int context_length) const;

  int32_t start_of_text() const;  // 49406 for CLIP
  int32_t end_of_text() const;    // 49407 for CLIP
  int32_t vocab_size() const;     // 49408 for CLIP

 private:
  struct Model;
  struct WordCache;

  explicit BpeTokenizer(std::shared_ptr<const Model> model);

  // The ids of one pre-token (UTF-8), through the cache.
  std::vector<int32_t> EncodeWord(const std::string& word) const;

  std::shared_ptr<const Model> model_;
  std::shared_ptr<WordCache> cache_;
};

}  // namespace itaclip::text

#endif  // ITACLIP_CORE_TEXT_BPE_TOKENIZER_H_
