#include "core/checkpoint/shape_string.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace itaclip::checkpoint {

std::string ShapeString(c10::IntArrayRef shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

}  // namespace itaclip::checkpoint
