// The presets' vocabularies the web page offers: configs/classes and the published descriptions
// (../shared), read here independently of core's parsers (line counts, text after ">=").
#include "server/http/preset_vocabularies.h"

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "core/pipeline/preset_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_paths.h"

namespace itaclip::server {
namespace {

using ::itaclip::testing::SharedPath;
using ::itaclip::testing::SourcePath;
using ::testing::HasSubstr;

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class PresetVocabulariesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string presets_dir = SourcePath("configs/presets");
    for (const std::string& name : pipeline::ListPresets(presets_dir)) {
      absl::StatusOr<pipeline::PipelineParams> params = pipeline::LoadPreset(presets_dir, name);
      ASSERT_TRUE(params.ok()) << params.status();
      presets_[name] = *params;
    }
    files_.configs_dir = SourcePath("configs");
    files_.descriptions_dir = SharedPath("reference/itaclip/llama_generated_texts");
  }

  std::map<std::string, pipeline::PipelineParams> presets_;
  PresetVocabularyFiles files_;
};

TEST_F(PresetVocabulariesTest, ListsEveryPresetWithItsClassCountAndDescriptions) {
  const v1::HttpPresetsResponse list = ListPresetVocabularies(files_, presets_);
  ASSERT_EQ(list.presets_size(), 5);
  for (const v1::HttpPreset& preset : list.presets()) {
    SCOPED_TRACE(preset.name());
    EXPECT_EQ(
        preset.num_classes(),
        static_cast<int>(Lines(SourcePath("configs/classes/" + preset.name() + ".txt")).size()));
    EXPECT_TRUE(preset.has_descriptions());  // every preset has published texts
  }
  files_.descriptions_dir.clear();
  const v1::HttpPresetsResponse without = ListPresetVocabularies(files_, presets_);
  for (const v1::HttpPreset& preset : without.presets()) {
    EXPECT_FALSE(preset.has_descriptions()) << preset.name();
  }
}

TEST_F(PresetVocabulariesTest, Voc21WithDescriptionsBlendsAllButTheBackground) {
  const absl::StatusOr<v1::VocabularyDefinition> voc =
      PresetVocabulary(files_, presets_, "voc21", /*with_descriptions=*/true);
  ASSERT_TRUE(voc.ok()) << voc.status();
  const std::vector<std::string> classes = Lines(SourcePath("configs/classes/voc21.txt"));
  const std::vector<std::string> texts =
      Lines(SharedPath("reference/itaclip/llama_generated_texts/voc21_definitions.txt"));
  ASSERT_EQ(voc->classes_size(), 21);
  EXPECT_TRUE(voc->background_first());
  EXPECT_EQ(voc->text_params().description_weight(), 0.05);  // voc21.conf's def_coefficient
  EXPECT_EQ(voc->classes(0).description(), "");
  EXPECT_GT(voc->classes(0).names_size(), 1);  // the background's many names
  for (int i = 1; i < 21; ++i) {
    EXPECT_EQ(absl::StrJoin(voc->classes(i).names(), ", "), classes[i]);
    EXPECT_EQ(voc->classes(i).description(), texts[i - 1].substr(texts[i - 1].find(">=") + 2));
  }
}

TEST_F(PresetVocabulariesTest, WithoutDescriptionsAndFromSynonyms) {
  const absl::StatusOr<v1::VocabularyDefinition> voc =
      PresetVocabulary(files_, presets_, "coco_stuff", /*with_descriptions=*/false);
  ASSERT_TRUE(voc.ok()) << voc.status();
  EXPECT_FALSE(voc->background_first());
  EXPECT_EQ(voc->text_params().description_weight(), 0.20);
  for (const v1::ClassDefinition& c : voc->classes()) EXPECT_EQ(c.description(), "");
  // Cityscapes' auxiliary texts are synonyms.
  const absl::StatusOr<v1::VocabularyDefinition> city =
      PresetVocabulary(files_, presets_, "cityscapes", /*with_descriptions=*/true);
  ASSERT_TRUE(city.ok()) << city.status();
  EXPECT_NE(city->classes(0).description(), "");
}

TEST_F(PresetVocabulariesTest, UnknownPresetsAndMissingDescriptionsAreNotFound) {
  EXPECT_EQ(PresetVocabulary(files_, presets_, "ade20k", false).status().code(),
            absl::StatusCode::kNotFound);
  files_.descriptions_dir.clear();
  const absl::Status missing = PresetVocabulary(files_, presets_, "voc21", true).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), HasSubstr("descriptions_dir"));
}

}  // namespace
}  // namespace itaclip::server
