// The progress line's rate and ETA, and the report's table and JSON (NaN as "nan" / null).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "client/eval/eval_report.h"
#include "client/eval/progress_bar.h"

namespace itaclip::client {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ProgressLineTest, RateAndEtaCountOnlySegmentedImages) {
  // 7 of 14 done, 3 of them from the cache, 8 s elapsed: 8 s / 4 segmented = 2 s per image, and
  // 7 left -> 14 s.
  const std::string line = FormatProgressLine(7, 14, 3, absl::Seconds(8));
  EXPECT_EQ(line,
            "[##########----------] 7/14  50%  3 cached  2.00 s/image  elapsed 0:08  ETA 0:14");
  EXPECT_THAT(FormatProgressLine(2, 10, 2, absl::Seconds(1)), HasSubstr("ETA ?"));
  EXPECT_THAT(FormatProgressLine(10, 10, 0, absl::Seconds(20)), Not(HasSubstr("ETA")));
  EXPECT_EQ(FormatClock(absl::Seconds(3723)), "1:02:03");
  EXPECT_EQ(FormatClock(absl::Seconds(65)), "1:05");
  EXPECT_EQ(FormatClock(absl::Seconds(-3)), "0:00");
}

EvalSummary WorkedExample() {
  // The 3x3 example of tests/core/evaluation plus a fourth class absent from both maps.
  EvalSummary summary;
  summary.mode = "in-process";
  summary.preset = "voc21";
  summary.layout = "voc_samples";
  summary.images = 1;
  summary.dataset_images = 14;
  summary.class_names = {"background", "cat", "dog", "sheep"};
  summary.counts = evaluation::IouCounts::Zeros(4);
  summary.counts.area_intersect = {2, 2, 1, 0};
  summary.counts.area_union = {4, 4, 3, 0};
  summary.counts.area_pred_label = {3, 3, 2, 0};
  summary.counts.area_label = {3, 3, 2, 0};
  return summary;
}

TEST(EvalReportTest, TableShowsPercentagesAndNan) {
  const EvalSummary summary = WorkedExample();
  const std::string table =
      FormatResultTable(summary, evaluation::ComputeIouMetrics(summary.counts));
  // IoU 50, 50, 33.33, nan -> mIoU 44.44; aAcc 5/8 = 62.50; mAcc 11/18 = 61.11.
  EXPECT_THAT(table, HasSubstr("mIoU: 44.44\n"));
  EXPECT_THAT(table, HasSubstr("aAcc: 62.50\n"));
  EXPECT_THAT(table, HasSubstr("mAcc: 61.11\n"));
  EXPECT_THAT(table, HasSubstr("33.33"));
  const size_t sheep = table.find("sheep");
  ASSERT_NE(sheep, std::string::npos);
  EXPECT_THAT(table.substr(sheep, table.find('\n', sheep) - sheep), HasSubstr("nan      nan"));
  EXPECT_THAT(table, HasSubstr("classes counted in mIoU: 3 of 4"));
  EXPECT_THAT(table, HasSubstr("images: 1 of 14"));
}

TEST(EvalReportTest, JsonIsValidWithNullForNan) {
  const EvalSummary summary = WorkedExample();
  const nlohmann::json json = nlohmann::json::parse(
      FormatResultJson(summary, evaluation::ComputeIouMetrics(summary.counts)));
  EXPECT_NEAR(json["mIoU"].get<double>(), 400.0 / 9, 1e-12);
  EXPECT_NEAR(json["aAcc"].get<double>(), 62.5, 1e-12);
  EXPECT_EQ(json["classes_counted"], 3);
  ASSERT_EQ(json["classes"].size(), 4u);
  EXPECT_TRUE(json["classes"][3]["iou"].is_null());
  EXPECT_EQ(json["classes"][1]["name"], "cat");
  EXPECT_EQ(json["classes"][2]["union"], 3);
  EXPECT_EQ(json["preset"], "voc21");
  EXPECT_FALSE(json.contains("server"));

  EvalSummary empty = summary;
  empty.counts = evaluation::IouCounts::Zeros(4);
  const nlohmann::json nothing =
      nlohmann::json::parse(FormatResultJson(empty, evaluation::ComputeIouMetrics(empty.counts)));
  EXPECT_TRUE(nothing["mIoU"].is_null());
  EXPECT_TRUE(nothing["aAcc"].is_null());
}

}  // namespace
}  // namespace itaclip::client
