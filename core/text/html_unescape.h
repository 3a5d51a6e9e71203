// HTML character-reference decoding as CLIP's text cleaning does it (Python's
// html.unescape).
#ifndef ITACLIP_CORE_TEXT_HTML_UNESCAPE_H_
#define ITACLIP_CORE_TEXT_HTML_UNESCAPE_H_

#include <string>
#include <string_view>

namespace itaclip::text {

// Python's html.unescape, on code points.
//
// References are found left to right, without overlap, with Python's pattern:
//   &(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)
//
// Numeric references follow Python exactly: 0 -> U+FFFD, 0x80..0x9F -> their
// Windows-1252 characters, surrogates and values past U+10FFFF -> U+FFFD,
// other invalid code points (most C0/C1 controls, U+FDD0..U+FDEF,
// U+xFFFE/U+xFFFF) are removed, the rest become their code point.
//
// Named references know only a subset of HTML5's 2231 names: the 252 HTML 4.01
// names (all of Latin-1, the Greek letters, the typographic and mathematical
// symbols), "apos", and the upper-case legacy spellings AMP, LT, GT, QUOT,
// COPY, REG; each with HTML5's value. The 106 names that HTML5 also accepts
// without ';' are decoded without it too, even as the longest prefix of a
// longer name ("&ampfoo" -> "&foo"), as Python does. Other names stay as text.
std::u32string HtmlUnescape(std::u32string_view text);

// ftfy's own HTML step (ftfy 6 fixes.unescape_html), approximately: like
// HtmlUnescape, but only complete references that end in ';' are decoded (no
// legacy or prefix forms), and ftfy's upper-case variants such as "&EACUTE;"
// are not known.
std::u32string HtmlUnescapeTerminated(std::u32string_view text);

}  // namespace itaclip::text

#endif  // ITACLIP_CORE_TEXT_HTML_UNESCAPE_H_
