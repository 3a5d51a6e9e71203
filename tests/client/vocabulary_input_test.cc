// The vocabulary a command sends: the inline --class_names syntax, and the definition built from
// class and description files (the offline command's formats) and the text-side flags.
#include "client/commands/vocabulary_input.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "absl/flags/flag.h"
#include "client/commands/command_flags.h"
#include "tests/client/default_client_flags.h"
#include "tests/testing/test_paths.h"

namespace itaclip::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Names = std::vector<std::vector<std::string>>;

std::string WriteFile(const std::string& name, const std::string& content) {
  const std::string path = itaclip::testing::ScratchDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(ParseInlineClassNamesTest, SemicolonsSplitClassesAndCommasSplitNames) {
  absl::StatusOr<Names> names = ParseInlineClassNames("person;cat;car, automobile");
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, ElementsAre(ElementsAre("person"), ElementsAre("cat"),
                                  ElementsAre("car", "automobile")));
}

TEST(ParseInlineClassNamesTest, SpacesAroundNamesAreDroppedButInnerSpacesKept) {
  absl::StatusOr<Names> names = ParseInlineClassNames("  background ;person in shirt,man  ; car");
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, ElementsAre(ElementsAre("background"), ElementsAre("person in shirt", "man"),
                                  ElementsAre("car")));
}

TEST(ParseInlineClassNamesTest, OneClassWithoutSeparators) {
  absl::StatusOr<Names> names = ParseInlineClassNames("sky");
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, ElementsAre(ElementsAre("sky")));
}

TEST(ParseInlineClassNamesTest, EmptyListIsRefused) {
  for (const char* text : {"", "   "}) {
    absl::StatusOr<Names> names = ParseInlineClassNames(text);
    EXPECT_EQ(names.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(names.status().message(), HasSubstr("no classes"));
  }
}

TEST(ParseInlineClassNamesTest, EmptyClassNamesItsNumber) {
  EXPECT_THAT(ParseInlineClassNames("cat;;dog").status().message(), HasSubstr("class 2 is empty"));
  EXPECT_THAT(ParseInlineClassNames("cat;dog;").status().message(), HasSubstr("class 3 is empty"));
  EXPECT_THAT(ParseInlineClassNames(" ;cat").status().message(), HasSubstr("class 1 is empty"));
}

TEST(ParseInlineClassNamesTest, EmptyNameNamesItsClass) {
  const absl::Status status = ParseInlineClassNames("dog;cat,,kitten").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("class 2 (\"cat,,kitten\") has an empty name"));
  EXPECT_THAT(ParseInlineClassNames("cat,").status().message(), HasSubstr("class 1"));
}

TEST(ToVocabularyDefinitionTest, CopiesClassesAndLeavesTheWeightUnsetWhenAbsent) {
  text::VocabularySpec spec;
  spec.background_first = true;
  spec.classes = {{{"background"}, ""}, {{"car", "automobile"}, "a road vehicle"}};
  const v1::VocabularyDefinition definition = ToVocabularyDefinition(spec, std::nullopt);
  ASSERT_EQ(definition.classes_size(), 2);
  EXPECT_THAT(definition.classes(1).names(), ElementsAre("car", "automobile"));
  EXPECT_EQ(definition.classes(1).description(), "a road vehicle");
  EXPECT_EQ(definition.classes(0).description(), "");
  EXPECT_TRUE(definition.background_first());
  EXPECT_FALSE(definition.text_params().has_description_weight());

  EXPECT_EQ(ToVocabularyDefinition(spec, 0.25).text_params().description_weight(), 0.25);
}

TEST(VocabularyDefinitionFromFlagsTest, ClassFileWithDescriptionsAndBackground) {
  testing::DefaultClientFlags defaults;
  // The class-file format of the offline command: ", " between names, a line per class; the
  // description file has no line for the background class.
  const std::string dir = itaclip::testing::ScratchDir();
  const std::string classes = dir + "/classes.txt";
  const std::string descriptions = dir + "/descriptions.txt";
  std::ofstream(classes) << "background\ncar, automobile\nsky\n";
  std::ofstream(descriptions) << "car >=a road vehicle\nsky >=the air above\n";
  absl::SetFlag(&FLAGS_classes, classes);
  absl::SetFlag(&FLAGS_descriptions, descriptions);
  absl::SetFlag(&FLAGS_background_first, true);
  absl::SetFlag(&FLAGS_description_weight, 0.1);

  absl::StatusOr<v1::VocabularyDefinition> definition = VocabularyDefinitionFromFlags();
  ASSERT_TRUE(definition.ok()) << definition.status();
  ASSERT_EQ(definition->classes_size(), 3);
  EXPECT_THAT(definition->classes(0).names(), ElementsAre("background"));
  EXPECT_EQ(definition->classes(0).description(), "");
  EXPECT_THAT(definition->classes(1).names(), ElementsAre("car", "automobile"));
  EXPECT_EQ(definition->classes(1).description(), "a road vehicle");
  EXPECT_EQ(definition->classes(2).description(), "the air above");
  EXPECT_TRUE(definition->background_first());
  EXPECT_EQ(definition->text_params().description_weight(), 0.1);
}

TEST(VocabularyDefinitionFromFlagsTest, InlineNamesTakeADescriptionFileToo) {
  testing::DefaultClientFlags defaults;
  absl::SetFlag(&FLAGS_class_names, "car, automobile; sky");
  absl::SetFlag(&FLAGS_descriptions,
                WriteFile("descriptions.txt", "car >=a road vehicle\nsky >=the air above\n"));
  absl::StatusOr<v1::VocabularyDefinition> definition = VocabularyDefinitionFromFlags();
  ASSERT_TRUE(definition.ok()) << definition.status();
  ASSERT_EQ(definition->classes_size(), 2);
  EXPECT_THAT(definition->classes(0).names(), ElementsAre("car", "automobile"));
  EXPECT_EQ(definition->classes(0).description(), "a road vehicle");
  EXPECT_EQ(definition->classes(1).description(), "the air above");
  EXPECT_FALSE(definition->background_first());
  EXPECT_FALSE(definition->text_params().has_description_weight());
}

TEST(VocabularyDefinitionFromFlagsTest, DescriptionOfTheWrongClassNamesTheFile) {
  testing::DefaultClientFlags defaults;
  absl::SetFlag(&FLAGS_class_names, "car;sky");
  const std::string path = WriteFile("descriptions.txt", "car >=a vehicle\ntree >=a plant\n");
  absl::SetFlag(&FLAGS_descriptions, path);
  const absl::Status status = VocabularyDefinitionFromFlags().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(path + ": description file line 2"));
}

TEST(VocabularyDefinitionFromFlagsTest, ExactlyOneSourceOfClasses) {
  testing::DefaultClientFlags defaults;
  EXPECT_THAT(VocabularyDefinitionFromFlags().status().message(),
              HasSubstr("--classes FILE or --class_names LIST is required"));
  EXPECT_FALSE(HasVocabularyFlags());
  absl::SetFlag(&FLAGS_class_names, "cat");
  EXPECT_TRUE(HasVocabularyFlags());
  absl::SetFlag(&FLAGS_classes, "classes.txt");
  EXPECT_THAT(VocabularyDefinitionFromFlags().status().message(), HasSubstr("not both"));
}

TEST(VocabularyDefinitionFromFlagsTest, MissingFilesAreNotFound) {
  testing::DefaultClientFlags defaults;
  absl::SetFlag(&FLAGS_classes, "/nonexistent/classes.txt");
  EXPECT_EQ(VocabularyDefinitionFromFlags().status().code(), absl::StatusCode::kNotFound);
  absl::SetFlag(&FLAGS_classes, "");
  absl::SetFlag(&FLAGS_class_names, "cat");
  absl::SetFlag(&FLAGS_descriptions, "/nonexistent/descriptions.txt");
  const absl::Status status = VocabularyDefinitionFromFlags().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("/nonexistent/descriptions.txt"));
}

TEST(VocabularyDefinitionFromFlagsTest, BadInlineListNamesTheFlag) {
  testing::DefaultClientFlags defaults;
  absl::SetFlag(&FLAGS_class_names, "cat;;dog");
  EXPECT_THAT(VocabularyDefinitionFromFlags().status().message(),
              HasSubstr("--class_names: class 2 is empty"));
}

}  // namespace
}  // namespace itaclip::client
