// Turns the class scores of a SegmentResponse (IEEE half or single floats, little-endian) into the
// float32 [classes, H, W] tensor that the .npy writer takes.
#ifndef ITACLIP_CLIENT_OUTPUT_DECODE_SCORES_H_
#define ITACLIP_CLIENT_OUTPUT_DECODE_SCORES_H_

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "absl/status/statusor.h"
#include "itaclip/v1/segmentation_service.pb.h"

namespace itaclip::client {

// The value of an IEEE 754 binary16 bit pattern, exactly (every half is a float): normal numbers,
// subnormals, signed zeros, infinities and NaN.
float HalfToFloat(uint16_t bits);

// A contiguous float32 CPU tensor of [num_classes, height, width]. INVALID_ARGUMENT when a
// dimension is not positive, the format is not FLOAT16 or FLOAT32, or the data size is not
// classes·height·width·(2 or 4) bytes.
absl::StatusOr<at::Tensor> DecodeClassScores(const v1::ClassScores& scores);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_OUTPUT_DECODE_SCORES_H_
