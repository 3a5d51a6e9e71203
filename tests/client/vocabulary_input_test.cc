// The vocabulary a command sends: the inline --class_names syntax, and the definition built from
// class and description files (the offline command's formats) and the text-side options.
#include "client/commands/vocabulary_input.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

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

TEST(VocabularyDefinitionFromTest, ClassFileWithDescriptionsAndBackground) {
  VocabularyOptions options;
  // The class-file format of the offline command: ", " between names, a line per class; the
  // description file has no line for the background class.
  const std::string dir = itaclip::testing::ScratchDir();
  const std::string classes = dir + "/classes.txt";
  const std::string descriptions = dir + "/descriptions.txt";
  std::ofstream(classes) << "background\ncar, automobile\nsky\n";
  std::ofstream(descriptions) << "car >=a road vehicle\nsky >=the air above\n";
  options.classes_file = classes;
  options.descriptions_file = descriptions;
  options.background_first = true;
  options.description_weight = 0.1;

  absl::StatusOr<v1::VocabularyDefinition> definition = VocabularyDefinitionFrom(options);
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

TEST(VocabularyDefinitionFromTest, InlineNamesTakeADescriptionFileToo) {
  VocabularyOptions options;
  options.class_names = "car, automobile; sky";
  options.descriptions_file =
      WriteFile("descriptions.txt", "car >=a road vehicle\nsky >=the air above\n");
  absl::StatusOr<v1::VocabularyDefinition> definition = VocabularyDefinitionFrom(options);
  ASSERT_TRUE(definition.ok()) << definition.status();
  ASSERT_EQ(definition->classes_size(), 2);
  EXPECT_THAT(definition->classes(0).names(), ElementsAre("car", "automobile"));
  EXPECT_EQ(definition->classes(0).description(), "a road vehicle");
  EXPECT_EQ(definition->classes(1).description(), "the air above");
  EXPECT_FALSE(definition->background_first());
  EXPECT_FALSE(definition->text_params().has_description_weight());
}

TEST(VocabularyDefinitionFromTest, DescriptionOfTheWrongClassNamesTheFile) {
  VocabularyOptions options;
  options.class_names = "car;sky";
  const std::string path = WriteFile("descriptions.txt", "car >=a vehicle\ntree >=a plant\n");
  options.descriptions_file = path;
  const absl::Status status = VocabularyDefinitionFrom(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(path + ": description file line 2"));
}

TEST(VocabularyDefinitionFromTest, ExactlyOneSourceOfClasses) {
  VocabularyOptions options;
  EXPECT_THAT(VocabularyDefinitionFrom(options).status().message(),
              HasSubstr("--classes FILE or --class_names LIST is required"));
  EXPECT_FALSE(options.has_classes());
  options.class_names = "cat";
  EXPECT_TRUE(options.has_classes());
  options.classes_file = "classes.txt";
  EXPECT_THAT(VocabularyDefinitionFrom(options).status().message(), HasSubstr("not both"));
}

TEST(VocabularyDefinitionFromTest, MissingFilesAreNotFound) {
  VocabularyOptions options;
  options.classes_file = "/nonexistent/classes.txt";
  EXPECT_EQ(VocabularyDefinitionFrom(options).status().code(), absl::StatusCode::kNotFound);
  options.classes_file = "";
  options.class_names = "cat";
  options.descriptions_file = "/nonexistent/descriptions.txt";
  const absl::Status status = VocabularyDefinitionFrom(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("/nonexistent/descriptions.txt"));
}

TEST(VocabularyDefinitionFromTest, BadInlineListNamesTheFlag) {
  VocabularyOptions options;
  options.class_names = "cat;;dog";
  EXPECT_THAT(VocabularyDefinitionFrom(options).status().message(),
              HasSubstr("--class_names: class 2 is empty"));
}

}  // namespace
}  // namespace itaclip::client
