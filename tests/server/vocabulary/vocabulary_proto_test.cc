// The conversion between a vocabulary's messages and its domain form: every field lands where the
// other form keeps it, and an unset description weight stays unset both ways (it means "the
// preset's", other content than any number).
#include "server/vocabulary/vocabulary_proto.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/vocabulary/test_vocabularies.h"

namespace itaclip::server {
namespace {

using ::itaclip::server::testing::RecordText;
using ::testing::ElementsAre;

v1::StoredVocabulary StoredPets() {
  v1::StoredVocabulary record;
  record.set_id("voc-0123456789abcdef0123456789abcdef");
  record.set_display_name("pets");
  record.set_created_unix_ms(1'700'000'000'789);
  v1::VocabularyDefinition& definition = *record.mutable_definition();
  definition.set_background_first(true);
  definition.add_classes()->add_names("sky");
  v1::ClassDefinition& cat = *definition.add_classes();
  cat.add_names("cat");
  cat.add_names("kitten");
  cat.set_description("a small feline");
  definition.mutable_text_params()->set_description_weight(0.25);
  return record;
}

TEST(VocabularyProtoTest, AStoredRecordBecomesTheDomainRecordFieldByField) {
  const VocabularyRecord record = RecordFromProto(StoredPets());
  EXPECT_EQ(record.id, "voc-0123456789abcdef0123456789abcdef");
  EXPECT_EQ(record.display_name, "pets");
  EXPECT_EQ(record.created_unix_ms, 1'700'000'000'789);
  const Vocabulary& vocabulary = record.definition;
  EXPECT_TRUE(vocabulary.spec.background_first);
  ASSERT_EQ(vocabulary.spec.classes.size(), 2u);
  EXPECT_THAT(vocabulary.spec.classes[0].names, ElementsAre("sky"));
  EXPECT_EQ(vocabulary.spec.classes[0].description, "");
  EXPECT_THAT(vocabulary.spec.classes[1].names, ElementsAre("cat", "kitten"));
  EXPECT_EQ(vocabulary.spec.classes[1].description, "a small feline");
  ASSERT_TRUE(vocabulary.description_weight.has_value());
  EXPECT_EQ(*vocabulary.description_weight, 0.25);
}

TEST(VocabularyProtoTest, TheDomainRecordBecomesTheSameMessage) {
  const v1::StoredVocabulary message = StoredPets();
  EXPECT_EQ(RecordToProto(RecordFromProto(message)).SerializeAsString(),
            message.SerializeAsString());
}

TEST(VocabularyProtoTest, AnUnsetWeightStaysUnsetBothWays) {
  v1::VocabularyDefinition definition = StoredPets().definition();
  definition.clear_text_params();
  const Vocabulary vocabulary = VocabularyFromProto(definition);
  EXPECT_FALSE(vocabulary.description_weight.has_value());
  EXPECT_FALSE(VocabularyToProto(vocabulary).text_params().has_description_weight());

  // An explicit 0 is a weight, not "unset".
  definition.mutable_text_params()->set_description_weight(0.0);
  const Vocabulary zero = VocabularyFromProto(definition);
  ASSERT_TRUE(zero.description_weight.has_value());
  EXPECT_TRUE(VocabularyToProto(zero).text_params().has_description_weight());
  EXPECT_NE(RecordText(VocabularyRecord{"", "", zero, 0}),
            RecordText(VocabularyRecord{"", "", vocabulary, 0}));
}

}  // namespace
}  // namespace itaclip::server
