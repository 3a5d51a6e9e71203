#include "core/checkpoint/layer_key.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace itaclip::checkpoint {

absl::StatusOr<std::optional<int64_t>> ParseLayerKey(const std::string& key,
                                                     absl::string_view prefix,
                                                     absl::string_view* suffix) {
  if (!absl::StartsWith(key, prefix)) return std::optional<int64_t>();
  absl::string_view rest = absl::string_view(key).substr(prefix.size());
  const size_t dot = rest.find('.');
  int64_t index = -1;
  if (dot == absl::string_view::npos || dot == 0 ||
      rest.substr(0, dot).find_first_not_of("0123456789") != absl::string_view::npos ||
      !absl::SimpleAtoi(rest.substr(0, dot), &index)) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed layer key ", key, ": expected ", prefix, "<index>.<name>"));
  }
  if (suffix != nullptr) *suffix = rest.substr(dot + 1);
  return std::optional<int64_t>(index);
}

}  // namespace itaclip::checkpoint
