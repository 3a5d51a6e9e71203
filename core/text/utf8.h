// Strict UTF-8 decoding and encoding for the tokenizer's text cleaning.
#ifndef ITACLIP_CORE_TEXT_UTF8_H_
#define ITACLIP_CORE_TEXT_UTF8_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace itaclip::text {

// Decodes `bytes` to code points. Strict: overlong forms, surrogates
// (U+D800..U+DFFF), values past U+10FFFF, stray continuation bytes and
// truncated sequences are INVALID_ARGUMENT, with the byte offset of the bad
// sequence. Thread-safe (pure function).
absl::StatusOr<std::u32string> DecodeUtf8(absl::string_view bytes);

// Appends the UTF-8 form of `cp` to `out`. `cp` must be a Unicode scalar value
// (what DecodeUtf8 and the cleaning steps produce); anything else is written as
// U+FFFD.
void AppendUtf8(char32_t cp, std::string& out);

// The UTF-8 form of `text` (AppendUtf8 for each code point).
std::string EncodeUtf8(std::u32string_view text);

}  // namespace itaclip::text

#endif  // ITACLIP_CORE_TEXT_UTF8_H_
