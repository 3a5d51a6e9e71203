#include "core/text/bpe_vocabulary.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/text/utf8.h"
#include "nlohmann/json.hpp"

namespace itaclip::text {
namespace {

ByteTable BuildByteTable() {
  // Printable bytes keep their own code point and come first; the 68 others map
  // to U+0100 onwards.
  std::vector<int> order;
  for (int b = 33; b <= 126; ++b) order.push_back(b);
  for (int b = 161; b <= 172; ++b) order.push_back(b);
  for (int b = 174; b <= 255; ++b) order.push_back(b);
  std::array<char32_t, 256> code_point{};
  for (const int b : order) code_point[b] = static_cast<char32_t>(b);
  char32_t next_extra = 256;
  for (int b = 0; b < 256; ++b) {
    if (code_point[b] == 0) {
      code_point[b] = next_extra++;
      order.push_back(b);
    }
  }
  ByteTable table;
  for (int id = 0; id < 256; ++id) {
    const int b = order[id];
    table.id[b] = id;
    AppendUtf8(code_point[b], table.character[b]);
  }
  return table;
}

// Python's str.split() on ASCII whitespace, which is all a valid merge line can
// hold.
absl::StatusOr<BpeMerges> ParseMergeLines(const std::vector<absl::string_view>& lines,
                                          absl::string_view what) {
  if (lines.empty() || !absl::StrContains(lines[0], "#version")) {
    return absl::InvalidArgumentError(
        absl::StrCat(what,
                     ": line 1 is not a \"#version\" header, so this is not a "
                     "CLIP merges file"));
  }
  if (lines.size() < static_cast<size_t>(kClipMergeCount) + 1) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": has ", lines.size() - 1,
                                                   " merge lines, CLIP needs ", kClipMergeCount));
  }
  BpeMerges merges;
  merges.reserve(kClipMergeCount);
  for (int i = 1; i <= kClipMergeCount; ++i) {
    const std::vector<absl::string_view> parts =
        absl::StrSplit(lines[i], absl::ByAnyChar(" \t\r\v\f"), absl::SkipEmpty());
    if (parts.size() != 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": line ", i + 1, " is not a merge of two symbols: \"", lines[i], "\""));
    }
    merges.emplace_back(std::string(parts[0]), std::string(parts[1]));
  }
  return merges;
}

absl::Status CheckUtf8(absl::string_view text, absl::string_view what) {
  const absl::StatusOr<std::u32string> decoded = DecodeUtf8(text);
  if (!decoded.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", decoded.status().message()));
  }
  return absl::OkStatus();
}

}  // namespace

const ByteTable& GetByteTable() {
  static const ByteTable* const table = new ByteTable(BuildByteTable());
  return *table;
}

absl::StatusOr<BpeMerges> ParseOpenAiMerges(absl::string_view text) {
  constexpr absl::string_view kWhat = "CLIP BPE merges";
  if (absl::Status s = CheckUtf8(text, kWhat); !s.ok()) return s;
  return ParseMergeLines(absl::StrSplit(text, '\n'), kWhat);
}

absl::StatusOr<BpeMerges> ParseHuggingFaceMerges(absl::string_view text) {
  constexpr absl::string_view kWhat = "merges.txt";
  if (absl::Status s = CheckUtf8(text, kWhat); !s.ok()) return s;
  return ParseMergeLines(absl::StrSplit(absl::StripAsciiWhitespace(text), '\n'), kWhat);
}

std::vector<std::string> BuildClipVocabulary(const BpeMerges& merges) {
  const ByteTable& table = GetByteTable();
  std::vector<std::string> by_id(256);
  for (int b = 0; b < 256; ++b) by_id[table.id[b]] = table.character[b];
  std::vector<std::string> vocabulary = by_id;
  vocabulary.reserve(512 + merges.size() + 2);
  for (const std::string& symbol : by_id)
    vocabulary.push_back(absl::StrCat(symbol, kEndOfWordSuffix));
  for (const auto& [left, right] : merges) vocabulary.push_back(left + right);
  vocabulary.emplace_back(kStartOfTextToken);
  vocabulary.emplace_back(kEndOfTextToken);
  return vocabulary;
}

absl::Status CheckHuggingFaceVocabulary(absl::string_view vocab_json,
                                        const std::vector<std::string>& vocabulary) {
  const nlohmann::json json = nlohmann::json::parse(vocab_json.begin(), vocab_json.end(), nullptr,
                                                    /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return absl::InvalidArgumentError("vocab.json is not a JSON object (token -> id)");
  }
  if (json.size() != vocabulary.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "vocab.json has ", json.size(), " tokens but merges.txt gives ", vocabulary.size()));
  }
  // Report the lowest disagreeing id, which is the most useful one to look at.
  // With equal sizes, unique keys and no disagreement, the map is exactly
  // vocabulary[i] -> i.
  int64_t bad_id = -1;
  std::string bad_token;
  for (const auto& [token, value] : json.items()) {
    if (!value.is_number_integer()) {
      return absl::InvalidArgumentError(
          absl::StrCat("vocab.json: the id of \"", token, "\" is not an integer"));
    }
    const int64_t id = value.get<int64_t>();
    if (id < 0 || id >= static_cast<int64_t>(vocabulary.size())) {
      return absl::InvalidArgumentError(absl::StrCat("vocab.json: id ", id, " of \"", token,
                                                     "\" is outside 0..", vocabulary.size() - 1));
    }
    if (vocabulary[id] != token && (bad_id < 0 || id < bad_id)) {
      bad_id = id;
      bad_token = token;
    }
  }
  if (bad_id >= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "vocab.json maps \"", bad_token, "\" to id ", bad_id,
        " but the CLIP layout built from merges.txt has \"", vocabulary[bad_id], "\" there"));
  }
  return absl::OkStatus();
}

}  // namespace itaclip::text
