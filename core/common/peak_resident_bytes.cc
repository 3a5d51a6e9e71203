#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/common/device_memory.h"

namespace itaclip {

int64_t PeakResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, "VmHWM:")) continue;
    // "VmHWM:   123456 kB"
    for (absl::string_view part : absl::StrSplit(rest, ' ', absl::SkipEmpty())) {
      int64_t kib = 0;
      if (absl::SimpleAtoi(part, &kib)) return kib * 1024;
    }
  }
  return 0;
}

}  // namespace itaclip
