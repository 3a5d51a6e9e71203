#include "client/output/decode_scores.h"

#include <ATen/ops/empty.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"

namespace itaclip::client {

float HalfToFloat(uint16_t bits) {
  const bool negative = (bits & 0x8000) != 0;
  const int exponent = (bits >> 10) & 0x1f;
  const int mantissa = bits & 0x3ff;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // subnormal: m · 2^-24
  } else if (exponent == 31) {
    magnitude = mantissa == 0 ? std::numeric_limits<float>::infinity()
                              : std::numeric_limits<float>::quiet_NaN();
  } else {
    magnitude = std::ldexp(static_cast<float>(1024 + mantissa), exponent - 25);  // 1.m · 2^(e-15)
  }
  return negative ? -magnitude : magnitude;
}

absl::StatusOr<at::Tensor> DecodeClassScores(const v1::ClassScores& scores) {
  const int64_t classes = scores.num_classes();
  const int64_t height = scores.height();
  const int64_t width = scores.width();
  if (classes <= 0 || height <= 0 || width <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("the answer's scores are ", classes, "x", height,
                                                   "x", width, " (classes x height x width)"));
  }
  int64_t bytes_per_value;
  if (scores.format() == v1::SCORE_FORMAT_FLOAT16) {
    bytes_per_value = 2;
  } else if (scores.format() == v1::SCORE_FORMAT_FLOAT32) {
    bytes_per_value = 4;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("the answer's scores have no usable format (", scores.format(), ")"));
  }
  // classes·height fits in int64 (each is below 2^31); when it exceeds the byte count the sizes
  // cannot match, and otherwise the product with width (below 2^31) fits as well.
  const int64_t size = static_cast<int64_t>(scores.data().size());
  const int64_t count = classes * height > size ? -1 : classes * height * width;
  if (count < 0 || size != count * bytes_per_value) {
    return absl::InvalidArgumentError(absl::StrCat("the answer's scores hold ", size,
                                                   " bytes, not ", classes, "x", height, "x", width,
                                                   " values of ", bytes_per_value, " bytes"));
  }
  at::Tensor tensor = at::empty({classes, height, width}, at::kFloat);
  float* out = tensor.data_ptr<float>();
  const auto* in = reinterpret_cast<const uint8_t*>(scores.data().data());
  // Assembled byte by byte: the wire order is little-endian whatever this machine's order is.
  for (int64_t i = 0; i < count; ++i) {
    if (bytes_per_value == 2) {
      out[i] = HalfToFloat(static_cast<uint16_t>(in[2 * i] | (in[2 * i + 1] << 8)));
    } else {
      const uint32_t word = uint32_t{in[4 * i]} | (uint32_t{in[4 * i + 1]} << 8) |
                            (uint32_t{in[4 * i + 2]} << 16) | (uint32_t{in[4 * i + 3]} << 24);
      std::memcpy(&out[i], &word, sizeof(float));
    }
  }
  return tensor;
}

}  // namespace itaclip::client
