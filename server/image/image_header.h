// The width and height of an encoded image, read from its header without decoding any pixels, so
// that the decoded-pixel limit is enforced before a decoder allocates anything.
#ifndef ITACLIP_SERVER_IMAGE_IMAGE_HEADER_H_
#define ITACLIP_SERVER_IMAGE_IMAGE_HEADER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace itaclip::server {

struct ImageHeader {
  std::string format;  // "png", "jpeg", "bmp" or "webp"
  int64_t width = 0;   // > 0
  int64_t height = 0;  // > 0 (a top-down BMP's negative height is reported as its magnitude)
};

// Reads the size of a PNG (IHDR, CRC checked), JPEG (the first SOFn frame, baseline or
// progressive), BMP (BITMAPCOREHEADER or BITMAPINFOHEADER and its successors) or WebP (VP8, VP8L
// or VP8X) image. INVALID_ARGUMENT for an empty buffer, another format, a truncated or corrupt
// header, or a zero size. Reads only inside `encoded`, whatever its bytes.
absl::StatusOr<ImageHeader> ReadImageHeader(absl::string_view encoded);

// RESOURCE_EXHAUSTED when width·height is above `max_decoded_pixels`, naming the limit. The one
// place the limit is enforced, for encoded and raw images alike.
absl::Status CheckDecodedPixels(int64_t width, int64_t height, int64_t max_decoded_pixels);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_IMAGE_IMAGE_HEADER_H_
