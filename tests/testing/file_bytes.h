// Whole files as byte strings, for tests that write, damage or compare files.
#ifndef ITACLIP_TESTS_TESTING_FILE_BYTES_H_
#define ITACLIP_TESTS_TESTING_FILE_BYTES_H_

#include <string>

namespace itaclip::testing {

// The file's bytes ("" when it cannot be read: tests compare against what they expect).
std::string ReadFileBytes(const std::string& path);
// Replaces the file's content; fails the current test when it cannot be written.
void WriteFileBytes(const std::string& path, const std::string& bytes);

}  // namespace itaclip::testing

#endif  // ITACLIP_TESTS_TESTING_FILE_BYTES_H_
