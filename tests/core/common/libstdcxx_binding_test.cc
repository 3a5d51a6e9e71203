// std::filesystem must bind to libstdc++ itself, not to the copy that PyPI's LibTorch exports
// (pytorch/pytorch#133437): that copy crashes (remove_all jumps to address 0). CMakeLists.txt puts
// libstdc++ first in every program's library list; this checks where the symbols resolve.
#include <dlfcn.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/scratch_dir_test.h"

namespace itaclip {
namespace {

std::string LibraryOf(const void* function) {
  Dl_info info{};
  if (dladdr(function, &info) == 0 || info.dli_fname == nullptr) return "(unknown)";
  return info.dli_fname;
}

TEST(LibstdcxxBindingTest, StdFilesystemResolvesToLibstdcxx) {
  using RemoveAll = std::uintmax_t (*)(const std::filesystem::path&);
  using CreateDirectories = bool (*)(const std::filesystem::path&);
  for (const void* function :
       {reinterpret_cast<const void*>(static_cast<RemoveAll>(&std::filesystem::remove_all)),
        reinterpret_cast<const void*>(
            static_cast<CreateDirectories>(&std::filesystem::create_directories))}) {
    const std::string library = LibraryOf(function);
    EXPECT_NE(library.find("libstdc++"), std::string::npos) << library;
    EXPECT_EQ(library.find("libtorch"), std::string::npos) << library;
  }
}

class StdFilesystemTest : public testing::ScratchDirTest {};

TEST_F(StdFilesystemTest, RemoveAllOfATreeWorks) {
  const std::filesystem::path tree = ScratchPath("tree");
  std::filesystem::create_directories(tree / "a" / "b");
  std::ofstream(tree / "a" / "b" / "file") << "x";
  EXPECT_EQ(std::filesystem::remove_all(tree), 4u);
  EXPECT_FALSE(std::filesystem::exists(tree));
}

}  // namespace
}  // namespace itaclip
