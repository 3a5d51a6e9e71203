// The dataset layouts: sample order (split file order, or sorted paths as mmseg sorts them), paths
// built from the spec §6 suffixes, and the errors of a wrong --data.
#include "client/eval/dataset_layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/testing/scratch_dir_test.h"
#include "tests/testing/test_paths.h"

namespace itaclip::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DatasetLayoutTest : public testing::ScratchDirTest {
 protected:
  void Touch(const std::string& relative, const std::string& content = "x") {
    const std::filesystem::path path = std::filesystem::path(scratch_dir()) / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << content;
  }
  std::vector<std::string> Ids(const std::vector<EvalSample>& samples) {
    std::vector<std::string> ids;
    for (const EvalSample& s : samples) ids.push_back(s.id);
    return ids;
  }
};

TEST_F(DatasetLayoutTest, Voc21FollowsTheSplitFile) {
  Touch("ImageSets/Segmentation/val.txt", "2007_000033\n\n 2007_000042 \r\n2007_000001\n");
  for (const char* id : {"2007_000033", "2007_000042", "2007_000001"}) {
    Touch(std::string("JPEGImages/") + id + ".jpg");
    Touch(std::string("SegmentationClass/") + id + ".png");
  }
  Touch("JPEGImages/2007_999999.jpg");  // not in the split: not evaluated
  absl::StatusOr<DatasetLayout> layout = FindDatasetLayout("voc21");
  ASSERT_TRUE(layout.ok());
  absl::StatusOr<std::vector<EvalSample>> samples = ListSamples(*layout, scratch_dir());
  ASSERT_TRUE(samples.ok()) << samples.status();
  EXPECT_THAT(Ids(*samples), ElementsAre("2007_000033", "2007_000042", "2007_000001"));
  EXPECT_EQ((*samples)[1].image_path, scratch_dir() + "/JPEGImages/2007_000042.jpg");
  EXPECT_EQ((*samples)[1].label_path, scratch_dir() + "/SegmentationClass/2007_000042.png");
}

TEST_F(DatasetLayoutTest, Context60UsesItsOwnFolders) {
  Touch("ImageSets/SegmentationContext/val.txt", "2008_000002\n");
  Touch("JPEGImages/2008_000002.jpg");
  Touch("SegmentationClassContext/2008_000002.png");
  absl::StatusOr<std::vector<EvalSample>> samples =
      ListSamples(*FindDatasetLayout("context60"), scratch_dir());
  ASSERT_TRUE(samples.ok()) << samples.status();
  EXPECT_EQ((*samples)[0].label_path, scratch_dir() + "/SegmentationClassContext/2008_000002.png");
}

TEST_F(DatasetLayoutTest, CocoScansTheImageFolderSortedByPath) {
  // Sorted by image path as mmseg does: "a-b.jpg" < "a.jpg" ('-' < '.'), though the id "a" < "a-b".
  for (const char* id : {"b", "a", "a-b"}) {
    Touch(std::string("images/val2017/") + id + ".jpg");
    Touch(std::string("annotations/val2017/") + id + "_labelTrainIds.png");
    Touch(std::string("annotations/val2017/") + id + "_instanceTrainIds.png");
  }
  Touch("images/val2017/notes.txt");  // another suffix: ignored
  absl::StatusOr<std::vector<EvalSample>> stuff =
      ListSamples(*FindDatasetLayout("coco_stuff"), scratch_dir());
  ASSERT_TRUE(stuff.ok()) << stuff.status();
  EXPECT_THAT(Ids(*stuff), ElementsAre("a-b", "a", "b"));
  EXPECT_EQ((*stuff)[2].label_path, scratch_dir() + "/annotations/val2017/b_labelTrainIds.png");
  absl::StatusOr<std::vector<EvalSample>> object =
      ListSamples(*FindDatasetLayout("coco_object"), scratch_dir());
  ASSERT_TRUE(object.ok()) << object.status();
  EXPECT_EQ((*object)[2].label_path, scratch_dir() + "/annotations/val2017/b_instanceTrainIds.png");
}

TEST_F(DatasetLayoutTest, CityscapesRecursesIntoCityFolders) {
  for (const char* id : {"munster/munster_000000_000019", "frankfurt/frankfurt_000000_000294"}) {
    Touch(std::string("leftImg8bit/val/") + id + "_leftImg8bit.png");
    Touch(std::string("gtFine/val/") + id + "_gtFine_labelTrainIds.png");
    Touch(std::string("gtFine/val/") + id + "_gtFine_color.png");
  }
  absl::StatusOr<std::vector<EvalSample>> samples =
      ListSamples(*FindDatasetLayout("cityscapes"), scratch_dir());
  ASSERT_TRUE(samples.ok()) << samples.status();
  EXPECT_THAT(Ids(*samples),
              ElementsAre("frankfurt/frankfurt_000000_000294", "munster/munster_000000_000019"));
  EXPECT_EQ(
      (*samples)[0].label_path,
      scratch_dir() + "/gtFine/val/frankfurt/frankfurt_000000_000294_gtFine_labelTrainIds.png");
}

TEST_F(DatasetLayoutTest, VocSamplesFolder) {
  absl::StatusOr<std::vector<EvalSample>> samples =
      ListSamples(*FindDatasetLayout("voc_samples"), testing::SharedPath("data/voc-samples"));
  ASSERT_TRUE(samples.ok()) << samples.status();
  ASSERT_EQ(samples->size(), 14u);
  EXPECT_EQ((*samples)[0].id, "0");
  EXPECT_EQ((*samples)[1].id, "1");
  EXPECT_EQ((*samples)[2].id, "114");  // "114.jpg" < "120.jpg" < ... < "8.jpg"
  EXPECT_EQ(samples->back().id, "8");
  EXPECT_THAT((*samples)[0].label_path, HasSubstr("voc-samples/0.mask.png"));
}

TEST_F(DatasetLayoutTest, MissingFilesAndFoldersAreNamed) {
  absl::StatusOr<DatasetLayout> voc = FindDatasetLayout("voc21");
  EXPECT_THAT(ListSamples(*voc, scratch_dir() + "/nowhere").status().message(),
              HasSubstr("no folder"));
  Touch("JPEGImages/a.jpg");
  Touch("JPEGImages/b.jpg");
  Touch("SegmentationClass/a.png");
  EXPECT_EQ(ListSamples(*voc, scratch_dir()).status().code(), absl::StatusCode::kNotFound);
  Touch("ImageSets/Segmentation/val.txt", "a\nb\n");
  absl::Status missing = ListSamples(*voc, scratch_dir()).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), HasSubstr("1 of the 4 image and ground-truth files"));
  EXPECT_THAT(missing.message(), HasSubstr("SegmentationClass/b.png"));
  Touch("ImageSets/Segmentation/val.txt", "a\n../../etc/passwd\n");
  EXPECT_THAT(ListSamples(*voc, scratch_dir()).status().message(), HasSubstr("line 2"));
  Touch("ImageSets/Segmentation/val.txt", "\n");
  EXPECT_THAT(ListSamples(*voc, scratch_dir()).status().message(), HasSubstr("lists none"));
  EXPECT_THAT(FindDatasetLayout("ade20k").status().message(), HasSubstr("known: voc21"));
}

}  // namespace
}  // namespace itaclip::client
