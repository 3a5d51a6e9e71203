// Where tests find the shared reference data, the repository and a scratch folder.
#ifndef ITACLIP_TESTS_TESTING_TEST_PATHS_H_
#define ITACLIP_TESTS_TESTING_TEST_PATHS_H_

#include <string>

namespace itaclip::testing {

std::string SharedPath(const std::string& relative);  // ../shared/<relative>
std::string SourcePath(const std::string& relative);  // <repo>/<relative>
// A fresh folder under the build tree for the running test (named after the test), created empty.
std::string ScratchDir();

}  // namespace itaclip::testing

#endif  // ITACLIP_TESTS_TESTING_TEST_PATHS_H_
