// CLIP's pre-tokenisation (spec §2.4): the `regex` pattern
//   <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
// (IGNORECASE) applied with findall to cleaned text.
#ifndef ITACLIP_CORE_TEXT_PRE_TOKENIZER_H_
#define ITACLIP_CORE_TEXT_PRE_TOKENIZER_H_

#include <string>
#include <string_view>
#include <vector>

namespace itaclip::text {

// Splits `cleaned` (the output of CleanTextCodePoints) into pre-tokens, UTF-8
// encoded, in order. At each position the alternatives are tried in the order
// above: the two special-token strings, the contractions (which match without a
// word boundary: "'sun" gives "'s", "un"), a run of letters, ONE number
// character, a run of other non-whitespace characters (greedy: "!!'s" gives
// "!!'", "s"). Whitespace separates tokens and is never part of one. Letters
// and numbers are IsLetter/IsNumber (Unicode 14.0 categories L* and N*). On
// lowercased text IGNORECASE matters only through U+017F "ſ", whose case fold
// is "s": like the `regex` module, "'ſ" matches "'s" (and "ſ" the s of the
// specials). Thread-safe (pure function).
std::vector<std::string> PreTokenize(std::u32string_view cleaned);

}  // namespace itaclip::text

#endif  // ITACLIP_CORE_TEXT_PRE_TOKENIZER_H_
