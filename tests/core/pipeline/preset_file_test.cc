#include "core/pipeline/preset_file.h"

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_paths.h"

namespace itaclip::pipeline {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A complete preset with values that differ from the struct defaults, so
// parsing is observable.
constexpr char kComplete[] = R"(# a comment line
short_side = 448
long_side_limit = 1333   # trailing comment

crop_size=192
  stride =  32
background_first = false
def_coefficient = 0.2
img_eng_coefficient = 0.6
logit_scale = 45.5
prob_thd = 0.25
area_thd = 0.3
pamr_steps = 3
pamr_dilations = 2, 4 ,6
width_chunk_size = 100
)";

std::string Replace(const std::string& text, const std::string& from, const std::string& to) {
  return absl::StrReplaceAll(text, {{from, to}});
}

TEST(ParsePresetTest, ParsesEveryKeyWithCommentsAndWhitespace) {
  const absl::StatusOr<PipelineParams> params = ParsePreset(kComplete, "test.conf");
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_EQ(params->short_side, 448);
  EXPECT_EQ(params->long_side_limit, 1333);
  EXPECT_EQ(params->crop_size, 192);
  EXPECT_EQ(params->stride, 32);
  EXPECT_FALSE(params->background_first);
  EXPECT_DOUBLE_EQ(params->def_coefficient, 0.2);
  EXPECT_DOUBLE_EQ(params->img_eng_coefficient, 0.6);
  EXPECT_DOUBLE_EQ(params->logit_scale, 45.5);
  EXPECT_DOUBLE_EQ(params->prob_thd, 0.25);
  ASSERT_TRUE(params->area_thd.has_value());
  EXPECT_DOUBLE_EQ(*params->area_thd, 0.3);
  EXPECT_EQ(params->pamr_steps, 3);
  EXPECT_THAT(params->pamr_dilations, ElementsAre(2, 4, 6));
  EXPECT_EQ(params->width_chunk_size, 100);
}

TEST(ParsePresetTest, NoneValues) {
  std::string text = Replace(kComplete, "area_thd = 0.3", "area_thd = none");
  text = Replace(text, "width_chunk_size = 100", "width_chunk_size = none");
  const absl::StatusOr<PipelineParams> params = ParsePreset(text, "test.conf");
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_FALSE(params->area_thd.has_value());
  EXPECT_EQ(params->width_chunk_size, 0);
}

TEST(ParsePresetTest, MissingKeysAreListed) {
  std::string text = Replace(kComplete, "pamr_steps = 3\n", "");
  text = Replace(text, "logit_scale = 45.5\n", "");
  const absl::StatusOr<PipelineParams> params = ParsePreset(text, "short.conf");
  ASSERT_EQ(params.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(params.status().message(), HasSubstr("short.conf"));
  EXPECT_THAT(params.status().message(), HasSubstr("logit_scale"));
  EXPECT_THAT(params.status().message(), HasSubstr("pamr_steps"));
}

TEST(ParsePresetTest, UnknownKeyNamesKeyAndLine) {
  const std::string text = std::string(kComplete) + "slide_crop = 224\n";
  const absl::StatusOr<PipelineParams> params = ParsePreset(text, "x.conf");
  ASSERT_EQ(params.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(params.status().message(), HasSubstr("x.conf:16"));
  EXPECT_THAT(params.status().message(), HasSubstr("slide_crop"));
}

TEST(ParsePresetTest, RepeatedKeyIsAnError) {
  const std::string text = std::string(kComplete) + "stride = 32\n";
  const absl::StatusOr<PipelineParams> params = ParsePreset(text, "x.conf");
  ASSERT_EQ(params.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(params.status().message(), HasSubstr("repeated"));
  EXPECT_THAT(params.status().message(), HasSubstr("line 6"));
}

TEST(ParsePresetTest, LineWithoutEqualsIsAnError) {
  const std::string text = Replace(kComplete, "pamr_steps = 3", "pamr_steps 3");
  const absl::StatusOr<PipelineParams> params = ParsePreset(text, "x.conf");
  ASSERT_EQ(params.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(params.status().message(), HasSubstr("x.conf:13"));
}

TEST(ParsePresetTest, BadValuesAreRejectedWithTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"stride =  32", "stride = 0"},
      {"stride =  32", "stride = 3.5"},
      {"crop_size=192", "crop_size=15"},
      {"def_coefficient = 0.2", "def_coefficient = 1.01"},
      {"img_eng_coefficient = 0.6", "img_eng_coefficient = -0.1"},
      {"logit_scale = 45.5", "logit_scale = 0"},
      {"logit_scale = 45.5", "logit_scale = inf"},
      {"prob_thd = 0.25", "prob_thd = nan"},
      {"area_thd = 0.3", "area_thd = 1.5"},
      {"area_thd = 0.3", "area_thd = off"},
      {"pamr_steps = 3", "pamr_steps = -1"},
      {"pamr_dilations = 2, 4 ,6", "pamr_dilations = 8,0"},
      {"pamr_dilations = 2, 4 ,6", "pamr_dilations = 8,,16"},
      {"pamr_dilations = 2, 4 ,6", "pamr_dilations ="},
      {"background_first = false", "background_first = maybe"},
      {"width_chunk_size = 100", "width_chunk_size = -5"},
      {"short_side = 448", "short_side = 99999999999"},
  };
  for (const auto& [from, to] : cases) {
    const std::string text = Replace(kComplete, from, to);
    ASSERT_NE(text, kComplete) << from;
    const absl::StatusOr<PipelineParams> params = ParsePreset(text, "x.conf");
    const std::string key = to.substr(0, to.find_first_of(" ="));
    EXPECT_EQ(params.status().code(), absl::StatusCode::kInvalidArgument) << to;
    EXPECT_THAT(params.status().message(), HasSubstr(key)) << to;
  }
}

TEST(ParsePresetTest, StrideLargerThanCropIsRejected) {
  const std::string text = Replace(kComplete, "stride =  32", "stride = 200");
  const absl::StatusOr<PipelineParams> params = ParsePreset(text, "x.conf");
  ASSERT_EQ(params.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(params.status().message(), HasSubstr("stride"));
}

struct SpecColumn {
  std::string name;
  int short_side;
  bool background_first;
  double def_coefficient;
  double img_eng_coefficient;
  double logit_scale;
  double prob_thd;
  std::optional<double> area_thd;
  int width_chunk_size;
};

// Spec §6, typed in from the table.
TEST(LoadPresetTest, ShippedPresetsMatchTheSpecTable) {
  const std::vector<SpecColumn> columns = {
      {"voc21", 336, true, 0.05, 0.70, 60, 0.1, 0.1, 0},
      {"context60", 336, true, 0.15, 0.75, 55, 0.1, std::nullopt, 0},
      {"coco_object", 336, true, 0.10, 0.75, 50, 0.1, std::nullopt, 250},
      {"coco_stuff", 448, false, 0.20, 0.75, 40, 0.0, std::nullopt, 150},
      {"cityscapes", 560, false, 0.05, 0.70, 40, 0.0, std::nullopt, 0},
  };
  const std::string dir = testing::SourcePath("configs/presets");
  for (const SpecColumn& column : columns) {
    SCOPED_TRACE(column.name);
    const absl::StatusOr<PipelineParams> p = LoadPreset(dir, column.name);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->short_side, column.short_side);
    EXPECT_EQ(p->long_side_limit, 2048);
    EXPECT_EQ(p->crop_size, 224);
    EXPECT_EQ(p->stride, 28);
    EXPECT_EQ(p->background_first, column.background_first);
    EXPECT_DOUBLE_EQ(p->def_coefficient, column.def_coefficient);
    EXPECT_DOUBLE_EQ(p->img_eng_coefficient, column.img_eng_coefficient);
    EXPECT_DOUBLE_EQ(p->logit_scale, column.logit_scale);
    EXPECT_DOUBLE_EQ(p->prob_thd, column.prob_thd);
    EXPECT_EQ(p->area_thd, column.area_thd);
    EXPECT_EQ(p->pamr_steps, 10);
    EXPECT_THAT(p->pamr_dilations, ElementsAre(8, 16));
    EXPECT_EQ(p->width_chunk_size, column.width_chunk_size);
  }
  EXPECT_THAT(ListPresets(dir),
              ElementsAre("cityscapes", "coco_object", "coco_stuff", "context60", "voc21"));
}

TEST(LoadPresetTest, UnknownPresetListsTheAvailableOnes) {
  const std::string dir = testing::SourcePath("configs/presets");
  for (const char* name : {"voc20", "../presets/voc21", "voc21.conf", ""}) {
    const absl::StatusOr<PipelineParams> p = LoadPreset(dir, name);
    ASSERT_EQ(p.status().code(), absl::StatusCode::kNotFound) << name;
    EXPECT_THAT(p.status().message(), HasSubstr("voc21")) << name;
    EXPECT_THAT(p.status().message(), HasSubstr("coco_stuff")) << name;
  }
}

TEST(LoadPresetTest, MissingDirectoryIsNotFound) {
  const absl::StatusOr<PipelineParams> p = LoadPreset("/nonexistent/presets", "voc21");
  EXPECT_EQ(p.status().code(), absl::StatusCode::kNotFound);
}

TEST(LoadPresetTest, ParseErrorsNameTheFile) {
  const std::string dir = testing::ScratchDir();
  std::ofstream(dir + "/broken.conf") << "stride = 28\n";
  const absl::StatusOr<PipelineParams> p = LoadPreset(dir, "broken");
  ASSERT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("broken.conf"));
}

TEST(ApplyOverrideTest, SetsOneKey) {
  PipelineParams params;
  ASSERT_TRUE(ApplyOverride(params, "logit_scale", "42").ok());
  EXPECT_DOUBLE_EQ(params.logit_scale, 42);
  ASSERT_TRUE(ApplyOverride(params, "area_thd", "none").ok());
  EXPECT_FALSE(params.area_thd.has_value());
  ASSERT_TRUE(ApplyOverride(params, "pamr_dilations", "1,2").ok());
  EXPECT_THAT(params.pamr_dilations, ElementsAre(1, 2));
  ASSERT_TRUE(ApplyOverride(params, "background_first", " false ").ok());
  EXPECT_FALSE(params.background_first);
}

TEST(ApplyOverrideTest, UnknownKeyOrBadValueLeavesParamsUnchanged) {
  PipelineParams params;
  absl::Status status = ApplyOverride(params, "strid", "28");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("strid"));
  status = ApplyOverride(params, "pamr_dilations", "4,-1");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("pamr_dilations"));
  EXPECT_THAT(params.pamr_dilations, ElementsAre(8, 16));
  status = ApplyOverride(params, "crop_size", "abc");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(params.crop_size, 224);
}

TEST(ApplyOverridesTest, AppliesInOrderAndChecksCrossKeyRulesAtTheEnd) {
  PipelineParams params;
  // crop_size=16 alone would violate stride <= crop_size (28); only the final
  // state counts.
  ASSERT_TRUE(ApplyOverrides(params, {"crop_size=16", " stride = 8", "prob_thd=0"}).ok());
  EXPECT_EQ(params.crop_size, 16);
  EXPECT_EQ(params.stride, 8);
  EXPECT_DOUBLE_EQ(params.prob_thd, 0.0);
}

TEST(ApplyOverridesTest, AllOrNothing) {
  PipelineParams params;
  const PipelineParams before = params;
  absl::Status status = ApplyOverrides(params, {"stride=14", "bogus=1"});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("bogus"));
  EXPECT_EQ(params.stride, before.stride);

  status = ApplyOverrides(params, {"logit_scale=10", "stride=300"});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(params.stride, before.stride);
  EXPECT_DOUBLE_EQ(params.logit_scale, before.logit_scale);

  status = ApplyOverrides(params, {"stride"});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("key=value"));
}

TEST(ValidateParamsTest, DefaultsAreValid) { EXPECT_TRUE(ValidateParams(PipelineParams()).ok()); }

}  // namespace
}  // namespace itaclip::pipeline
