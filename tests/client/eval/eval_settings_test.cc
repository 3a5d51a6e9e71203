// The settings text behind the cache key changes with everything that changes a label map, and
// only with that.
#include "client/eval/eval_settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace itaclip::client {
namespace {

using ::testing::HasSubstr;

std::string Settings(const pipeline::PipelineParams& params, const text::VocabularySpec& vocabulary,
                     const DatasetSettings& dataset = {"voc21", "/data/voc", false, 255}) {
  return LocalSettingsText("0123456789abcdef", "cpu Float", "voc21", params, vocabulary,
                           "fedcba9876543210", dataset);
}

TEST(EvalSettingsTest, ChangesWithResultParametersOnly) {
  pipeline::PipelineParams params;
  text::VocabularySpec vocabulary{{{{"background"}, ""}, {{"cat"}, "a pet"}}, true};
  const std::string base = Settings(params, vocabulary);
  EXPECT_THAT(base, HasSubstr("prob_thd=0.10000000000000001"));
  EXPECT_THAT(base, HasSubstr("pamr_dilations=8,16"));
  EXPECT_THAT(base, HasSubstr("root=/data/voc"));

  pipeline::PipelineParams chunked = params;
  chunked.width_chunk_size = 250;  // memory only
  EXPECT_EQ(Settings(chunked, vocabulary), base);

  pipeline::PipelineParams other = params;
  other.prob_thd = 0.2;
  EXPECT_NE(Settings(other, vocabulary), base);
  other = params;
  other.area_thd.reset();
  EXPECT_NE(Settings(other, vocabulary), base);

  text::VocabularySpec described = vocabulary;
  described.classes[1].description = "a small pet";
  EXPECT_NE(Settings(params, described), base);
  EXPECT_NE(Settings(params, vocabulary, {"voc21", "/data/voc", true, 255}), base);
  EXPECT_NE(Settings(params, vocabulary, {"voc_samples", "/data/voc", false, 255}), base);
}

TEST(EvalSettingsTest, VocabularyHashSeparatesNamesFromClasses) {
  // One class with names "a" and "b" is not two classes "a" and "b".
  const text::VocabularySpec one_class{{{{"a", "b"}, ""}}, false};
  const text::VocabularySpec two_classes{{{{"a"}, ""}, {{"b"}, ""}}, false};
  const text::VocabularySpec joined{{{{"a, b"}, ""}}, false};
  EXPECT_NE(HashVocabulary(one_class), HashVocabulary(two_classes));
  EXPECT_NE(HashVocabulary(one_class), HashVocabulary(joined));
  text::VocabularySpec background = one_class;
  background.background_first = true;
  EXPECT_NE(HashVocabulary(one_class), HashVocabulary(background));
  EXPECT_EQ(HashVocabulary(one_class),
            HashVocabulary(text::VocabularySpec{{{{"a", "b"}, ""}}, false}));
}

TEST(EvalSettingsTest, RemoteNamesTheServerPresetAndOverrides) {
  v1::ServerInfo info;
  info.set_version("0.1.0");
  info.mutable_model()->set_checkpoint("ViT-B-16.pt");
  info.set_device("cuda:0");
  info.set_default_preset("voc21");
  const DatasetSettings dataset{"voc21", "/data/voc", false, 255};
  const std::string text = RemoteSettingsText(info, "", {{"prob_thd", "0.2"}}, "voc-abc", dataset);
  EXPECT_THAT(text, HasSubstr("preset: voc21\n"));
  EXPECT_THAT(text, HasSubstr("overrides: prob_thd=0.2\n"));
  EXPECT_THAT(text, HasSubstr("checkpoint=ViT-B-16.pt"));
  EXPECT_NE(RemoteSettingsText(info, "", {}, "voc-abc", dataset), text);
  EXPECT_NE(RemoteSettingsText(info, "", {{"prob_thd", "0.2"}}, "voc-def", dataset), text);
}

}  // namespace
}  // namespace itaclip::client
