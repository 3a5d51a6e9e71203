#include "core/text/html_unescape.h"

#include <string>

#include "gtest/gtest.h"

namespace itaclip::text {
namespace {

// Expected values follow Python's html.unescape as documented (html module
// source / HTML5 rules).
TEST(HtmlUnescapeTest, NamedReferences) {
  EXPECT_EQ(HtmlUnescape(U"fish &amp; chips"), U"fish & chips");
  EXPECT_EQ(HtmlUnescape(U"&lt;b&gt; &quot;x&quot; &apos;y&apos;"), U"<b> \"x\" 'y'");
  EXPECT_EQ(HtmlUnescape(U"caf&eacute; &Eacute;"), U"café É");
  EXPECT_EQ(HtmlUnescape(U"&hellip;&mdash;&euro;&notin;&alpha;&Omega;"), U"…—€∉αΩ");
  EXPECT_EQ(HtmlUnescape(U"&AMP;&COPY;"), U"&©");
  // Unknown names and lone ampersands stay.
  EXPECT_EQ(HtmlUnescape(U"&unknown; & &; &#; &#x;"), U"&unknown; & &; &#; &#x;");
}

TEST(HtmlUnescapeTest, LegacyNamesWorkWithoutSemicolonAndAsPrefixes) {
  EXPECT_EQ(HtmlUnescape(U"&amp &lt3 &eacute"), U"& <3 é");
  EXPECT_EQ(HtmlUnescape(U"&ampfoo &notit;"), U"&foo ¬it;");
  // "hellip" has no legacy form: without ';' it stays.
  EXPECT_EQ(HtmlUnescape(U"&hellip"), U"&hellip");
}

TEST(HtmlUnescapeTest, NumericReferencesFollowPythonRules) {
  EXPECT_EQ(HtmlUnescape(U"&#65;&#x42;&#X43;&#68"), U"ABCD");
  EXPECT_EQ(HtmlUnescape(U"&#233;&#x20AC;&#128512;"), U"é€😀");
  EXPECT_EQ(HtmlUnescape(U"&#0;"), U"\uFFFD");
  EXPECT_EQ(HtmlUnescape(U"&#13;"), U"\r");
  // 0x80..0x9F are read as Windows-1252.
  EXPECT_EQ(HtmlUnescape(U"&#128;&#x92;&#x9f;"), U"€’Ÿ");
  // Surrogates and values past U+10FFFF become U+FFFD, however long.
  EXPECT_EQ(HtmlUnescape(U"&#xD800;&#x110000;&#99999999999999999999999;"), U"\uFFFD\uFFFD\uFFFD");
  // Other invalid code points are removed.
  EXPECT_EQ(HtmlUnescape(U"a&#1;b&#x7F;c&#xFDD0;d&#xFFFF;e"), U"abcde");
  // "&#0x41" is "&#0" (U+FFFD) followed by "x41".
  EXPECT_EQ(HtmlUnescape(U"&#0x41"), U"\uFFFDx41");
}

TEST(HtmlUnescapeTest, DecodesOncePerCall) {
  EXPECT_EQ(HtmlUnescape(U"&amp;amp;"), U"&amp;");
  EXPECT_EQ(HtmlUnescape(HtmlUnescape(U"&amp;amp;")), U"&");
}

TEST(HtmlUnescapeTerminatedTest, DecodesOnlyReferencesEndingInSemicolon) {
  EXPECT_EQ(HtmlUnescapeTerminated(U"&amp; &amp &#65; &#65 &ampfoo;"), U"& &amp A &#65 &ampfoo;");
}

}  // namespace
}  // namespace itaclip::text
