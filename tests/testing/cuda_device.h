// Tests that need a CUDA device skip without one, saying why: the machine has no GPU (the CUDA
// code is then still compiled and linked, as in CI), or LibTorch was built without CUDA.
#ifndef ITACLIP_TESTS_TESTING_CUDA_DEVICE_H_
#define ITACLIP_TESTS_TESTING_CUDA_DEVICE_H_

#include <string>

#include "gtest/gtest.h"

namespace itaclip::testing {

// Empty when a CUDA device can run the test, else why it cannot.
std::string WhyNoCudaDevice();

}  // namespace itaclip::testing

// In a test's body: returns from the test, marked skipped with the reason, without a CUDA device.
#define SKIP_WITHOUT_CUDA_DEVICE()                                                 \
  if (const std::string why = ::itaclip::testing::WhyNoCudaDevice(); !why.empty()) \
  GTEST_SKIP() << why

#endif  // ITACLIP_TESTS_TESTING_CUDA_DEVICE_H_
