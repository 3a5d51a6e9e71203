// This abseil build has its own absl::string_view (its
// ABSL_OPTION_USE_STD_STRING_VIEW is 0), which does not convert from
// std::string_view, while the text library's API takes std::string_view.
// These two helpers cross between them without copying.
#ifndef ITACLIP_CORE_TEXT_STRING_VIEW_INTEROP_H_
#define ITACLIP_CORE_TEXT_STRING_VIEW_INTEROP_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace itaclip::text {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view ToStd(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace itaclip::text

#endif  // ITACLIP_CORE_TEXT_STRING_VIEW_INTEROP_H_
