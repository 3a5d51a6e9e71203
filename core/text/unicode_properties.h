// The Unicode character properties that CLIP's text cleaning and
// pre-tokenisation use, from tables generated out of Unicode 14.0
// (Python 3.11's unicodedata; see unicode_properties.cc).
#ifndef ITACLIP_CORE_TEXT_UNICODE_PROPERTIES_H_
#define ITACLIP_CORE_TEXT_UNICODE_PROPERTIES_H_

namespace itaclip::text {

// General category L* (Lu, Ll, Lt, Lm, Lo): the regex class \p{L}.
bool IsLetter(char32_t cp);

// General category N* (Nd, Nl, No): the regex class \p{N} ("½", "²" and "Ⅻ" are
// numbers too).
bool IsNumber(char32_t cp);

// The White_Space property (U+0009..U+000D, U+0020, U+0085, U+00A0, U+1680,
// U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000): the `regex` module's
// \s.
bool IsWhiteSpace(char32_t cp);

// The Default_Ignorable_Code_Point property of Unicode 14.0 (DerivedCoreProperties.txt): code
// points that render as nothing (soft hyphen, zero-width space and joiners, bidi controls,
// invisible operators, variation selectors, Hangul fillers, tags).
bool IsDefaultIgnorable(char32_t cp);

// Python's str.lower() for every code point whose lower case is a single code
// point; `cp` itself when it has none. The one multi-code-point case, U+0130 ->
// "i" U+0307, and the context-dependent final sigma are the caller's job (see
// LowercaseLikePython).
char32_t SimpleLowercase(char32_t cp);

// ftfy's fix_character_width map (NFKC of U+FF01..U+FFEF, and U+3000 -> space)
// for every code point whose result is a single code point; 0 when `cp` has no
// mapping. U+FFE3 (whose NFKC is a space and U+0304) is the caller's job.
char32_t NarrowWidth(char32_t cp);

}  // namespace itaclip::text

#endif  // ITACLIP_CORE_TEXT_UNICODE_PROPERTIES_H_
