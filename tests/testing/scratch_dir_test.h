// A GoogleTest fixture that gives each test an empty scratch folder (see ScratchDir()).
#ifndef ITACLIP_TESTS_TESTING_SCRATCH_DIR_TEST_H_
#define ITACLIP_TESTS_TESTING_SCRATCH_DIR_TEST_H_

#include <string>

#include "gtest/gtest.h"
#include "tests/testing/test_paths.h"

namespace itaclip::testing {

class ScratchDirTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = ScratchDir(); }
  const std::string& scratch_dir() const { return dir_; }
  std::string ScratchPath(const std::string& name) const { return dir_ + "/" + name; }
  std::string dir_;
};

}  // namespace itaclip::testing

#endif  // ITACLIP_TESTS_TESTING_SCRATCH_DIR_TEST_H_
