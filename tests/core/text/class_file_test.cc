#include "core/text/class_file.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_paths.h"

namespace itaclip::text {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ClassFile(const std::string& dataset) {
  return testing::SharedPath("reference/itaclip/cls_" + dataset + ".txt");
}
std::string AuxFile(const std::string& name) {
  return testing::SharedPath("reference/itaclip/llama_generated_texts/" + name + ".txt");
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

struct DatasetCase {
  std::string dataset;
  std::string aux;
  bool background_first;
  size_t num_classes;
  size_t num_queries;
  size_t names_on_line0;
  std::string first_name;
};

// Spec §3.1's table (num_cls, num_queries, names on line 0) and §3.3 (which
// datasets are bg ones).
const DatasetCase kDatasets[] = {
    {"voc21", "voc21_definitions", true, 21, 80, 44, "sky"},
    {"context60", "context60_definitions", true, 60, 75, 1, "background"},
    {"coco_object", "coco_object_synonyms", true, 81, 119, 26, "sky"},
    {"coco_stuff", "coco_stuff_definitions", false, 171, 183, 8, "person"},
    {"cityscapes", "cityscapes_synonyms", false, 19, 26, 1, "road"},
};

TEST(ClassFileTest, RealClassFilesMatchTheSpecTable) {
  for (const DatasetCase& c : kDatasets) {
    SCOPED_TRACE(c.dataset);
    const absl::StatusOr<VocabularySpec> spec =
        LoadVocabularySpec(ClassFile(c.dataset), "", c.background_first);
    ASSERT_TRUE(spec.ok()) << spec.status();
    EXPECT_EQ(spec->background_first, c.background_first);
    ASSERT_EQ(spec->classes.size(), c.num_classes);
    size_t queries = 0;
    for (const ClassSpec& cls : spec->classes) {
      queries += cls.names.size();
      EXPECT_TRUE(cls.description.empty());
      for (const std::string& name : cls.names) {
        EXPECT_FALSE(name.empty());
        EXPECT_EQ(name.find('\n'), std::string::npos);
        EXPECT_EQ(name.find(", "), std::string::npos);
      }
    }
    EXPECT_EQ(queries, c.num_queries);
    EXPECT_EQ(spec->classes[0].names.size(), c.names_on_line0);
    EXPECT_EQ(spec->classes[0].names[0], c.first_name);
  }
}

TEST(ClassFileTest, RealClassFilesKeepNamesByteExact) {
  const absl::StatusOr<VocabularySpec> context60 =
      LoadVocabularySpec(ClassFile("context60"), "", true);
  ASSERT_TRUE(context60.ok()) << context60.status();
  // The last line is "wood " with a trailing space and no newline (spec §3.1).
  EXPECT_THAT(context60->classes.back().names, ElementsAre("wood "));
  EXPECT_THAT(context60->classes[15].names, ElementsAre("cat", "feline"));

  const absl::StatusOr<VocabularySpec> voc = LoadVocabularySpec(ClassFile("voc21"), "", true);
  ASSERT_TRUE(voc.ok()) << voc.status();
  EXPECT_THAT(voc->classes[1].names, ElementsAre("aeroplane"));
  EXPECT_THAT(voc->classes[20].names,
              ElementsAre("television monitor", "tv monitor", "monitor", "television", "screen"));

  const absl::StatusOr<VocabularySpec> stuff =
      LoadVocabularySpec(ClassFile("coco_stuff"), "", false);
  ASSERT_TRUE(stuff.ok()) << stuff.status();
  EXPECT_EQ(stuff->classes[0].names.back(), "person in hat");
  EXPECT_THAT(stuff->classes.back().names, ElementsAre("wood"));
}

TEST(ClassFileTest, RealDescriptionFilesBelongToTheRightClasses) {
  for (const DatasetCase& c : kDatasets) {
    SCOPED_TRACE(c.dataset);
    const absl::StatusOr<VocabularySpec> spec =
        LoadVocabularySpec(ClassFile(c.dataset), AuxFile(c.aux), c.background_first);
    ASSERT_TRUE(spec.ok()) << spec.status();
    ASSERT_EQ(spec->classes.size(), c.num_classes);
    for (size_t i = 0; i < spec->classes.size(); ++i) {
      const bool background = c.background_first && i == 0;
      EXPECT_EQ(spec->classes[i].description.empty(), background) << "class " << i;
      EXPECT_EQ(spec->classes[i].description.find('\n'), std::string::npos);
    }
  }
  // Line 0 of a bg dataset's file belongs to class 1; field [1] is taken
  // without a strip.
  const absl::StatusOr<VocabularySpec> voc =
      LoadVocabularySpec(ClassFile("voc21"), AuxFile("voc21_definitions"), true);
  ASSERT_TRUE(voc.ok()) << voc.status();
  EXPECT_EQ(voc->classes[1].description, "a powered, fixed-wing aircraft that is used for flight.");
  const absl::StatusOr<VocabularySpec> object =
      LoadVocabularySpec(ClassFile("coco_object"), AuxFile("coco_object_synonyms"), true);
  ASSERT_TRUE(object.ok()) << object.status();
  EXPECT_EQ(object->classes[1].description, "human");
  EXPECT_EQ(object->classes[2].description, "bike");
  const absl::StatusOr<VocabularySpec> stuff =
      LoadVocabularySpec(ClassFile("coco_stuff"), AuxFile("coco_stuff_definitions"), false);
  ASSERT_TRUE(stuff.ok()) << stuff.status();
  EXPECT_EQ(stuff->classes[0].description, "a human being, a living individual.");
  const absl::StatusOr<VocabularySpec> city =
      LoadVocabularySpec(ClassFile("cityscapes"), AuxFile("cityscapes_synonyms"), false);
  ASSERT_TRUE(city.ok()) << city.status();
  EXPECT_EQ(city->classes[0].description, "highway");
}

TEST(ClassFileTest, ASwappedBackgroundFlagIsCaughtByTheLineCount) {
  // voc21's file has 20 lines for 21 classes: read as a non-bg dataset, it is
  // one line short.
  const absl::StatusOr<VocabularySpec> spec =
      LoadVocabularySpec(ClassFile("voc21"), AuxFile("voc21_definitions"), false);
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(spec.status().message(), HasSubstr("voc21_definitions.txt"));
  EXPECT_THAT(spec.status().message(), HasSubstr("20 lines but needs 21"));
}

TEST(ParseClassNamesTest, SplitsOnCommaSpaceOnly) {
  const auto names = ParseClassNames("sky, wall,tree\nwood \nperson in hat");
  ASSERT_TRUE(names.ok()) << names.status();
  ASSERT_EQ(names->size(), 3u);
  EXPECT_THAT((*names)[0], ElementsAre("sky", "wall,tree"));
  EXPECT_THAT((*names)[1], ElementsAre("wood "));
  EXPECT_THAT((*names)[2], ElementsAre("person in hat"));
}

TEST(ParseClassNamesTest, FinalNewlineAndWindowsLineEndsAddNothing) {
  const auto unix_names = ParseClassNames("a, b\nc\n");
  ASSERT_TRUE(unix_names.ok()) << unix_names.status();
  ASSERT_EQ(unix_names->size(), 2u);
  EXPECT_THAT((*unix_names)[0], ElementsAre("a", "b"));
  EXPECT_THAT((*unix_names)[1], ElementsAre("c"));

  const auto windows_names = ParseClassNames("a, b\r\nc\r\n");
  ASSERT_TRUE(windows_names.ok()) << windows_names.status();
  EXPECT_EQ(*windows_names, *unix_names);
}

TEST(ParseClassNamesTest, RejectsEmptyNamesWithTheLineNumber) {
  for (const char* content : {"a\n\nb", "a\nb, , c", "a\nb, ", "a\n, b"}) {
    const auto names = ParseClassNames(content);
    EXPECT_EQ(names.status().code(), absl::StatusCode::kInvalidArgument) << content;
    EXPECT_THAT(names.status().message(), HasSubstr("line 2 (class 1)")) << content;
  }
  for (const char* content : {"", "\n"}) {
    EXPECT_EQ(ParseClassNames(content).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(ParseDescriptionsTest, BackgroundFirstShiftsLinesByOne) {
  const std::vector<std::vector<std::string>> classes = {
      {"background", "sky"}, {"cat", "feline"}, {"wood "}};
  const auto texts = ParseDescriptions("cat >=a small pet.\nwood >=tree material\n", classes, true);
  ASSERT_TRUE(texts.ok()) << texts.status();
  EXPECT_THAT(*texts, ElementsAre("", "a small pet.", "tree material"));
}

TEST(ParseDescriptionsTest, TakesFieldOneWithoutStripping) {
  const std::vector<std::vector<std::string>> classes = {{"a"}, {"b"}, {"c"}};
  const auto texts = ParseDescriptions("a >= spaced \nb >=x>=y\r\nc >=", classes, false);
  ASSERT_TRUE(texts.ok()) << texts.status();
  // Python's line.split('>=')[1]: a second ">=" cuts the text; an empty text
  // stays empty.
  EXPECT_THAT(*texts, ElementsAre(" spaced ", "x", ""));
}

TEST(ParseDescriptionsTest, RejectsWrongLineCountMissingSeparatorAndWrongName) {
  const std::vector<std::vector<std::string>> classes = {{"bg"}, {"cat"}, {"dog"}};
  const auto too_many = ParseDescriptions("cat >=x\ndog >=y\nfox >=z\n", classes, true);
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_many.status().message(), HasSubstr("3 lines but needs 2"));

  const auto no_separator = ParseDescriptions("cat >=x\ndog => y\n", classes, true);
  EXPECT_EQ(no_separator.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_separator.status().message(), HasSubstr("line 2"));
  EXPECT_THAT(no_separator.status().message(), HasSubstr("no \">=\""));

  const auto wrong_name = ParseDescriptions("cat >=x\ndogs >=y\n", classes, true);
  EXPECT_EQ(wrong_name.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong_name.status().message(), HasSubstr("line 2"));
  EXPECT_THAT(wrong_name.status().message(), HasSubstr("\"dogs\""));
  EXPECT_THAT(wrong_name.status().message(), HasSubstr("\"dog\""));

  EXPECT_EQ(ParseDescriptions("", {}, true).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(LoadVocabularySpecTest, ReportsMissingFilesAndNamesTheFileAtFault) {
  const std::string dir = testing::ScratchDir();
  const absl::StatusOr<VocabularySpec> missing = LoadVocabularySpec(dir + "/nope.txt", "", false);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(dir + "/nope.txt"));

  WriteFile(dir + "/cls.txt", "cat\ndog");
  const absl::StatusOr<VocabularySpec> missing_aux =
      LoadVocabularySpec(dir + "/cls.txt", dir + "/aux.txt", false);
  EXPECT_EQ(missing_aux.status().code(), absl::StatusCode::kNotFound);

  WriteFile(dir + "/aux.txt", "cat >=x\n");
  const absl::StatusOr<VocabularySpec> short_aux =
      LoadVocabularySpec(dir + "/cls.txt", dir + "/aux.txt", false);
  EXPECT_EQ(short_aux.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_aux.status().message(), HasSubstr(dir + "/aux.txt: "));

  WriteFile(dir + "/bad_cls.txt", "cat\n\ndog");
  const absl::StatusOr<VocabularySpec> bad_classes =
      LoadVocabularySpec(dir + "/bad_cls.txt", "", false);
  EXPECT_EQ(bad_classes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_classes.status().message(), HasSubstr(dir + "/bad_cls.txt: "));
}

}  // namespace
}  // namespace itaclip::text
