// Formats tensor shapes for error messages.
#ifndef ITACLIP_CORE_CHECKPOINT_SHAPE_STRING_H_
#define ITACLIP_CORE_CHECKPOINT_SHAPE_STRING_H_

#include <c10/util/ArrayRef.h>

#include <string>

namespace itaclip::checkpoint {

// "[768, 512]"; "[]" for a scalar. Thread-safe.
std::string ShapeString(c10::IntArrayRef shape);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_SHAPE_STRING_H_
