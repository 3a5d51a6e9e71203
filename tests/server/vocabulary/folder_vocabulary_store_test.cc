// What only the folder store does: persistence across instances, the file layout, atomic writes,
// corrupt files and ids that try to escape the folder.
#include "server/vocabulary/folder_vocabulary_store.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/vocabulary/vocabulary_id.h"
#include "tests/server/vocabulary/test_vocabularies.h"
#include "tests/testing/scratch_dir_test.h"

namespace itaclip::server {
namespace {

namespace fs = std::filesystem;
using ::itaclip::server::testing::MakeDefinition;
using ::itaclip::server::testing::RecordText;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

class FolderVocabularyStoreTest : public itaclip::testing::ScratchDirTest {
 protected:
  std::string StoreDir() const { return ScratchPath("vocabularies"); }

  std::unique_ptr<VocabularyStore> Open() {
    absl::StatusOr<std::unique_ptr<VocabularyStore>> store = OpenFolderVocabularyStore(StoreDir());
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  // A record whose id is its definition's content id, as the registry stores them.
  static VocabularyRecord Record(const std::vector<std::string>& names) {
    VocabularyRecord record;
    record.definition = MakeDefinition({{names, "described"}}, true, 0.25);
    record.id = VocabularyId(record.definition);
    record.display_name = "name of " + names[0];
    record.created_unix_ms = 1'700'000'000'123;
    return record;
  }

  std::vector<std::string> FileNames() const {
    std::vector<std::string> names;
    for (const fs::directory_entry& entry : fs::directory_iterator(StoreDir())) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  static void WriteFile(const std::string& path, const std::string& contents) {
    std::ofstream file(path, std::ios::binary);
    file << contents;
  }
};

TEST_F(FolderVocabularyStoreTest, CreatesTheFolderAndDescribesIt) {
  ASSERT_FALSE(fs::exists(StoreDir()));
  std::unique_ptr<VocabularyStore> store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(fs::is_directory(StoreDir()));
  EXPECT_EQ(store->Describe(), "folder " + StoreDir());
}

TEST_F(FolderVocabularyStoreTest, APathThatIsAFileIsRefused) {
  WriteFile(ScratchPath("plain_file"), "x");
  const absl::Status status = OpenFolderVocabularyStore(ScratchPath("plain_file")).status();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr(ScratchPath("plain_file")));
  EXPECT_EQ(OpenFolderVocabularyStore("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(FolderVocabularyStoreTest, ANewInstanceOnTheSameFolderSeesTheRecords) {
  const VocabularyRecord a = Record({"cat", "kitten"});
  const VocabularyRecord b = Record({"dog"});
  {
    std::unique_ptr<VocabularyStore> writer = Open();
    ASSERT_TRUE(writer->Put(a).ok());
    ASSERT_TRUE(writer->Put(b).ok());
  }
  std::unique_ptr<VocabularyStore> reader = Open();  // a restart, or another replica
  absl::StatusOr<VocabularyRecord> got = reader->Get(a.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(RecordText(*got), RecordText(a));
  // proto3 optional presence survives the text format (unset and 0.05 are different records).
  EXPECT_TRUE(got->definition.description_weight.has_value());
  absl::StatusOr<std::vector<VocabularyRecord>> list = reader->List();
  ASSERT_TRUE(list.ok()) << list.status();
  std::vector<std::string> ids = {a.id, b.id};
  std::sort(ids.begin(), ids.end());
  EXPECT_THAT(*list, ElementsAre(Field(&VocabularyRecord::id, ids[0]),
                                 Field(&VocabularyRecord::id, ids[1])));
}

TEST_F(FolderVocabularyStoreTest, OneTextprotoFilePerRecordAndNoTemporaryFilesLeft) {
  std::unique_ptr<VocabularyStore> store = Open();
  const VocabularyRecord a = Record({"cat"});
  ASSERT_TRUE(store->Put(a).ok());
  ASSERT_TRUE(store->Put(a).ok());  // the rewrite replaces the file by rename
  EXPECT_THAT(FileNames(), ElementsAre(a.id + ".textproto"));
  // Text format, readable by hand.
  std::ifstream file(StoreDir() + "/" + a.id + ".textproto");
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr("display_name: \"name of cat\""));
  ASSERT_TRUE(store->Delete(a.id).ok());
  EXPECT_THAT(FileNames(), ElementsAre());
}

// The file format is the text format of v1::StoredVocabulary, which earlier versions wrote too: a
// file written by hand in that format reads back with every field, an unset weight staying unset.
TEST_F(FolderVocabularyStoreTest, ReadsARecordFileWrittenInTheDocumentedFormat) {
  std::unique_ptr<VocabularyStore> store = Open();
  const std::string id = VocabularyId(MakeDefinition({{{"cat", "kitten"}, "a small feline"}}));
  WriteFile(StoreDir() + "/" + id + ".textproto",
            "id: \"" + id +
                "\"\n"
                "display_name: \"pets\"\n"
                "definition {\n"
                "  classes { names: \"cat\" names: \"kitten\" description: \"a small feline\" }\n"
                "}\n"
                "created_unix_ms: 1700000000456\n");
  absl::StatusOr<VocabularyRecord> got = store->Get(id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(RecordText(*got), "id=" + id +
                                  " display_name=pets created_unix_ms=1700000000456"
                                  " background_first=0 description_weight=unset"
                                  " class{names=[cat|kitten] description=a small feline}");
}

TEST_F(FolderVocabularyStoreTest, ListAndCountIgnoreTemporaryAndForeignFiles) {
  std::unique_ptr<VocabularyStore> store = Open();
  const VocabularyRecord a = Record({"cat"});
  ASSERT_TRUE(store->Put(a).ok());
  // What an interrupted Put of another replica leaves behind: half a record.
  WriteFile(StoreDir() + "/." + a.id + ".tmp-Ab12Cd", "id: \"voc-");
  WriteFile(StoreDir() + "/README", "not a record");
  WriteFile(StoreDir() + "/voc-XYZ.textproto", "not an id");
  absl::StatusOr<std::vector<VocabularyRecord>> list = store->List();
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(*list, ElementsAre(Field(&VocabularyRecord::id, a.id)));
  EXPECT_EQ(*store->Count(), 1);
}

TEST_F(FolderVocabularyStoreTest, ACorruptFileIsReportedWithItsPath) {
  std::unique_ptr<VocabularyStore> store = Open();
  const VocabularyRecord a = Record({"cat"});
  const std::string path = StoreDir() + "/" + a.id + ".textproto";
  WriteFile(path, "id: \"" + a.id + "\"\ndefinition { classes { names: \"cat\" ");  // cut off
  const absl::Status get = store->Get(a.id).status();
  EXPECT_EQ(get.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(get.message(), HasSubstr(path));
  const absl::Status list = store->List().status();
  EXPECT_EQ(list.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(list.message(), HasSubstr(path));
}

TEST_F(FolderVocabularyStoreTest, AFileHoldingAnotherIdIsCorrupt) {
  std::unique_ptr<VocabularyStore> store = Open();
  const VocabularyRecord a = Record({"cat"});
  const VocabularyRecord b = Record({"dog"});
  ASSERT_TRUE(store->Put(b).ok());
  // A copy of b's file under a's name.
  fs::copy_file(StoreDir() + "/" + b.id + ".textproto", StoreDir() + "/" + a.id + ".textproto");
  const absl::Status status = store->Get(a.id).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr(a.id + ".textproto"));
}

TEST_F(FolderVocabularyStoreTest, IdsCannotReachOutsideTheFolder) {
  std::unique_ptr<VocabularyStore> store = Open();
  // A file the traversal would hit if the id became a path: <scratch>/x.textproto.
  WriteFile(ScratchPath("x.textproto"), "id: \"../x\"");
  VocabularyRecord record = Record({"cat"});
  record.id = "../x";
  EXPECT_EQ(store->Put(record).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Get("../x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Delete("../x").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(fs::exists(ScratchPath("x.textproto")));
  std::ifstream file(ScratchPath("x.textproto"));
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "id: \"../x\"");
  EXPECT_THAT(FileNames(), ElementsAre());
}

}  // namespace
}  // namespace itaclip::server
