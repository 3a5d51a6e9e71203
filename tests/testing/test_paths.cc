#include "tests/testing/test_paths.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace itaclip::testing {

std::string SharedPath(const std::string& relative) {
  return absl::StrCat(ITACLIP_SHARED_DIR, "/", relative);
}

std::string SourcePath(const std::string& relative) {
  return absl::StrCat(ITACLIP_SOURCE_DIR, "/", relative);
}

std::string ScratchDir() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir = std::filesystem::path(ITACLIP_BINARY_DIR) / "test_scratch" /
                              absl::StrCat(info->test_suite_name(), ".", info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace itaclip::testing
