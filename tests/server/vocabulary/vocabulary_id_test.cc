// The content id: its canonical bytes against a hand-written encoding, a golden id from sha256sum,
// and which changes do and do not change the id.
#include "server/vocabulary/vocabulary_id.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "itaclip/v1/vocabulary.pb.h"
#include "server/vocabulary/vocabulary_proto.h"
#include "tests/server/vocabulary/test_vocabularies.h"

namespace itaclip::server {
namespace {

using ::itaclip::server::testing::MakeDefinition;
using ::testing::HasSubstr;

// One class {names: ["cat", "kitten"], description: "a small feline"}, background_first false,
// description weight 0.05.
Vocabulary GoldenDefinition() {
  return MakeDefinition({{{"cat", "kitten"}, "a small feline"}}, false, 0.05);
}

// The same with the description weight unset.
Vocabulary UnsetWeightDefinition() {
  return MakeDefinition({{{"cat", "kitten"}, "a small feline"}});
}

TEST(VocabularyIdTest, CanonicalBytesFollowTheDocumentedLayout) {
  // Written from the format in vocabulary_id.h, field by field. 0.05 as binary64 is
  // 0x3FA999999999999A (python3 -c "import struct; print(struct.pack('<d', 0.05).hex())" prints
  // 9a9999999999a93f, its little-endian bytes).
  const std::string expected = std::string(
      "\x15\0\0\0\0\0\0\0"
      "itaclip.vocabulary.v1"             // tag, 21 bytes
      "\x00"                              // background_first
      "\x9a\x99\x99\x99\x99\x99\xa9\x3f"  // 0.05
      "\x01\0\0\0\0\0\0\0"                // 1 class
      "\x02\0\0\0\0\0\0\0"                // 2 names
      "\x03\0\0\0\0\0\0\0"
      "cat"
      "\x06\0\0\0\0\0\0\0"
      "kitten"
      "\x0e\0\0\0\0\0\0\0"
      "a small feline",
      101);
  EXPECT_EQ(CanonicalVocabularyBytes(GoldenDefinition()), expected);
}

TEST(VocabularyIdTest, GoldenIdMatchesSha256sum) {
  // Computed once in a shell, independently of this code, from the same 101 bytes as above
  // (one command; split here only to fit):
  //   printf '\x15\0\0\0\0\0\0\0itaclip.vocabulary.v1\x00\x9a\x99\x99\x99\x99\x99\xa9\x3f
  //   \x01\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0\x03\0\0\0\0\0\0\0cat\x06\0\0\0\0\0\0\0kitten
  //   \x0e\0\0\0\0\0\0\0a small feline' | sha256sum
  //   c0d6014bf7df656b1d775a670cdac9758224fc3c9c866b46d1dd07e44ecfd6ba  -
  // (checked with xxd that printf wrote the intended bytes). The id is "voc-" + the first 32
  // digits.
  EXPECT_EQ(VocabularyId(GoldenDefinition()), "voc-c0d6014bf7df656b1d775a670cdac975");
}

TEST(VocabularyIdTest, SameContentGivesTheSameId) {
  // Built separately, as a client's message, in a different order of setter calls.
  v1::VocabularyDefinition other;
  other.mutable_text_params()->set_description_weight(0.05);
  other.set_background_first(false);
  v1::ClassDefinition& cls = *other.add_classes();
  cls.set_description("a small feline");
  cls.add_names("cat");
  cls.add_names("kitten");
  EXPECT_EQ(VocabularyId(VocabularyFromProto(other)), VocabularyId(GoldenDefinition()));
}

// An unset weight means "the preset's" (issue 13): other content than any explicit weight, with
// 0xffffffffffffffff in the weight's place.
TEST(VocabularyIdTest, AnUnsetWeightIsItsOwnContent) {
  // As GoldenIdMatchesSha256sum, with the 8 weight bytes ff:
  //   printf '\x15\0\0\0\0\0\0\0itaclip.vocabulary.v1\x00\xff\xff\xff\xff\xff\xff\xff\xff
  //   \x01\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0\x03\0\0\0\0\0\0\0cat\x06\0\0\0\0\0\0\0kitten
  //   \x0e\0\0\0\0\0\0\0a small feline' | sha256sum
  //   61d5f2effa0b20c112cc2bef7a5248be95c297277bd6f005e5ca0d993d461ad0  -
  std::string expected = CanonicalVocabularyBytes(GoldenDefinition());
  expected.replace(30, 8, std::string(8, '\xff'));
  EXPECT_EQ(CanonicalVocabularyBytes(UnsetWeightDefinition()), expected);
  EXPECT_EQ(VocabularyId(UnsetWeightDefinition()), "voc-61d5f2effa0b20c112cc2bef7a5248be");
  EXPECT_NE(VocabularyId(UnsetWeightDefinition()), VocabularyId(GoldenDefinition()));
}

// Earlier versions hashed an unset weight as 0.05: the legacy id of an unset-weight definition is
// the id of the same definition with an explicit 0.05 (the golden id above).
TEST(VocabularyIdTest, TheLegacyIdHashesAnUnsetWeightAs005) {
  EXPECT_EQ(LegacyVocabularyId(UnsetWeightDefinition()), "voc-c0d6014bf7df656b1d775a670cdac975");
  EXPECT_EQ(LegacyVocabularyId(GoldenDefinition()), VocabularyId(GoldenDefinition()));
}

TEST(VocabularyIdTest, AnExplicitZeroIsNotUnset) {
  // An explicit 0 is not "unset" (proto3 optional keeps presence).
  EXPECT_NE(VocabularyId(MakeDefinition({{{"cat"}, ""}}, false, 0.0)),
            VocabularyId(MakeDefinition({{{"cat"}, ""}})));
}

TEST(VocabularyIdTest, NegativeZeroWeightIsZero) {
  EXPECT_EQ(VocabularyId(MakeDefinition({{{"cat"}, ""}}, false, -0.0)),
            VocabularyId(MakeDefinition({{{"cat"}, ""}}, false, 0.0)));
}

TEST(VocabularyIdTest, EveryFieldOfTheDefinitionChangesTheId) {
  const std::string base = VocabularyId(GoldenDefinition());
  EXPECT_NE(VocabularyId(MakeDefinition({{{"cat", "kitten"}, "a small feline"}}, true)), base);
  EXPECT_NE(VocabularyId(MakeDefinition({{{"cat", "kitten"}, "a small feline"}}, false, 0.1)),
            base);
  EXPECT_NE(VocabularyId(MakeDefinition({{{"cat", "kitty"}, "a small feline"}})), base);
  EXPECT_NE(VocabularyId(MakeDefinition({{{"kitten", "cat"}, "a small feline"}})), base);
  EXPECT_NE(VocabularyId(MakeDefinition({{{"cat"}, "a small feline"}})), base);
  EXPECT_NE(VocabularyId(MakeDefinition({{{"cat", "kitten"}, "a feline"}})), base);
  EXPECT_NE(VocabularyId(MakeDefinition({{{"cat", "kitten"}, ""}})), base);
  EXPECT_NE(VocabularyId(MakeDefinition({{{"cat", "kitten"}, "a small feline"}, {{"dog"}, ""}})),
            base);
  // Class order is label order.
  EXPECT_NE(VocabularyId(MakeDefinition({{{"a"}, ""}, {{"b"}, ""}})),
            VocabularyId(MakeDefinition({{{"b"}, ""}, {{"a"}, ""}})));
  // A description belongs to its class.
  EXPECT_NE(VocabularyId(MakeDefinition({{{"a"}, "x"}, {{"b"}, ""}})),
            VocabularyId(MakeDefinition({{{"a"}, ""}, {{"b"}, "x"}})));
}

TEST(VocabularyIdTest, LengthPrefixesKeepStringBoundaries) {
  EXPECT_NE(VocabularyId(MakeDefinition({{{"a b"}, ""}})),
            VocabularyId(MakeDefinition({{{"a", "b"}, ""}})));
  EXPECT_NE(VocabularyId(MakeDefinition({{{"ab"}, ""}})),
            VocabularyId(MakeDefinition({{{"a", "b"}, ""}})));
  // A name running into the description, and a class boundary moved.
  EXPECT_NE(VocabularyId(MakeDefinition({{{"ab"}, ""}})),
            VocabularyId(MakeDefinition({{{"a"}, "b"}})));
  EXPECT_NE(VocabularyId(MakeDefinition({{{"a", "b"}, ""}, {{"c"}, ""}})),
            VocabularyId(MakeDefinition({{{"a"}, ""}, {{"b", "c"}, ""}})));
}

TEST(VocabularyIdTest, IdsHaveTheValidatedForm) {
  const std::string id = VocabularyId(GoldenDefinition());
  EXPECT_EQ(id.size(), 36u);
  EXPECT_TRUE(ValidateVocabularyId(id).ok());
}

TEST(VocabularyIdTest, MalformedIdsAreRefused) {
  for (const std::string& bad :
       {std::string(""), std::string("../x"), std::string("voc-../../../../etc/passwd"),
        std::string("voc-c0d6014bf7df656b1d775a670cdac97"),    // 31 digits
        std::string("voc-c0d6014bf7df656b1d775a670cdac9755"),  // 33 digits
        std::string("voc-C0D6014BF7DF656B1D775A670CDAC975"),   // upper case
        std::string("VOC-c0d6014bf7df656b1d775a670cdac975"),
        std::string("voc-c0d6014bf7df656b1d775a670cdac97g"),
        std::string("voc-c0d6014bf7df656b1d775a670cdac97/"),
        std::string("voc-c0d6014bf7df656b1d775a670cdac97\0", 36)}) {
    const absl::Status status = ValidateVocabularyId(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("malformed vocabulary id"));
  }
}

}  // namespace
}  // namespace itaclip::server
