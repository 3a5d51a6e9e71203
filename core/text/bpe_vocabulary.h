// CLIP's BPE vocabulary (spec §2.1-§2.2): the byte-to-character table, the
// merge files in OpenAI's and Hugging Face's formats, and the id layout that
// both must give.
#ifndef ITACLIP_CORE_TEXT_BPE_VOCABULARY_H_
#define ITACLIP_CORE_TEXT_BPE_VOCABULARY_H_

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace itaclip::text {

// CLIP uses the first 48894 merges of its file: 49152 - 256 - 2.
inline constexpr int kClipMergeCount = 48894;
// 256 byte characters, the same with "</w>", the merges, and the two special
// tokens.
inline constexpr int32_t kClipVocabSize = 512 + kClipMergeCount + 2;
inline constexpr absl::string_view kStartOfTextToken = "<|startoftext|>";
inline constexpr absl::string_view kEndOfTextToken = "<|endoftext|>";
inline constexpr absl::string_view kEndOfWordSuffix = "</w>";

// The merges, in rank order: (left, right) symbols; the merged symbol is left +
// right.
using BpeMerges = std::vector<std::pair<std::string, std::string>>;

// CLIP's bytes_to_unicode(). For each byte: the UTF-8 form of the character it
// stands for, and its id (its position in the table's value order, which is not
// the byte value: 'a' is id 64).
struct ByteTable {
  std::array<std::string, 256> character;
  std::array<int32_t, 256> id;
};

// The table, built once. Thread-safe.
const ByteTable& GetByteTable();

// Parses the gunzipped text of OpenAI's bpe_simple_vocab_16e6.txt.gz as CLIP
// does: split on '\n'; line 0 is a header (OpenAI's file has
// "\"bpe_simple_vocab_16e6.txt#version: 0.2", which CLIP ignores; this parser
// only checks that it contains "#version"); lines 1..48894 are the merges
// ("left right"); later lines are unused. Errors: INVALID_ARGUMENT for text
// that is not UTF-8, lacks the header, has fewer than 48894 merge lines, or has
// a merge line that is not two whitespace-separated symbols (the message gives
// the line).
absl::StatusOr<BpeMerges> ParseOpenAiMerges(absl::string_view text);

// Parses a Hugging Face merges.txt as transformers' CLIPTokenizer does: strip
// surrounding whitespace, split on '\n', skip the "#version" line 0, use
// lines 1..48894. Errors as ParseOpenAiMerges.
absl::StatusOr<BpeMerges> ParseHuggingFaceMerges(absl::string_view text);

// The id -> token list that CLIP builds from `merges`: the 256 byte characters
// in table order, the same each followed by "</w>", each merge's left + right,
// then <|startoftext|> and <|endoftext|>.
std::vector<std::string> BuildClipVocabulary(const BpeMerges& merges);

// Checks that `vocab_json` (a Hugging Face vocab.json: a JSON object token ->
// id) maps exactly vocabulary[i] -> i for every i, with no other entries: that
// is, that vocab.json and merges.txt agree and give CLIP's ids. Errors:
// INVALID_ARGUMENT naming the first disagreement (or the JSON error).
absl::Status CheckHuggingFaceVocabulary(absl::string_view vocab_json,
                                        const std::vector<std::string>& vocabulary);

}  // namespace itaclip::text

#endif  // ITACLIP_CORE_TEXT_BPE_VOCABULARY_H_
