#include "server/image/image_header.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace itaclip::server {
namespace {

// Every read goes through these, after a size check by the caller: `data.size() >= at + n`.
uint32_t Byte(absl::string_view data, size_t at) { return static_cast<unsigned char>(data[at]); }
uint32_t BigEndian16(absl::string_view data, size_t at) {
  return (Byte(data, at) << 8) | Byte(data, at + 1);
}
uint32_t BigEndian32(absl::string_view data, size_t at) {
  return (BigEndian16(data, at) << 16) | BigEndian16(data, at + 2);
}
uint32_t LittleEndian16(absl::string_view data, size_t at) {
  return Byte(data, at) | (Byte(data, at + 1) << 8);
}
uint32_t LittleEndian24(absl::string_view data, size_t at) {
  return LittleEndian16(data, at) | (Byte(data, at + 2) << 16);
}
uint32_t LittleEndian32(absl::string_view data, size_t at) {
  return LittleEndian24(data, at) | (Byte(data, at + 3) << 24);
}

absl::Status Truncated(absl::string_view format, size_t needed, size_t size) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "truncated %s header: it needs at least %d bytes, the image has %d", format, needed, size));
}

template <typename... Parts>
absl::Status Corrupt(absl::string_view format, const Parts&... parts) {
  return absl::InvalidArgumentError(absl::StrCat("corrupt ", format, " header: ", parts...));
}

// `format` is the reported name ("png"); `name` the one for messages ("PNG").
absl::StatusOr<ImageHeader> Sized(const char* format, const char* name, int64_t width,
                                  int64_t height) {
  if (width <= 0 || height <= 0) {
    return Corrupt(name, "the image is ", width, "x", height, " (a size must be positive)");
  }
  return ImageHeader{format, width, height};
}

// The first bytes in hex, for the message about an unknown format.
std::string FirstBytes(absl::string_view data) {
  constexpr size_t kShown = 8;
  std::vector<std::string> parts;
  for (size_t i = 0; i < data.size() && i < kShown; ++i) {
    parts.push_back(absl::StrFormat("%02X", Byte(data, i)));
  }
  if (data.size() > kShown) parts.push_back("...");
  return absl::StrJoin(parts, " ");
}

// --- PNG (ISO/IEC 15948 §5.2-5.3, §11.2.2): signature, then IHDR as the first chunk. ---------

constexpr absl::string_view kPngSignature("\x89PNG\r\n\x1a\n", 8);

// CRC-32 of PNG (ISO 3309, reflected polynomial 0xEDB88320), bit by bit: it runs over 17 bytes.
uint32_t Crc32(absl::string_view bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (char c : bytes) {
    crc ^= static_cast<unsigned char>(c);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

bool ValidPngDepth(uint32_t color_type, uint32_t depth) {
  switch (color_type) {
    case 0:  // greyscale
      return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case 3:  // palette
      return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2:  // RGB
    case 4:  // greyscale + alpha
    case 6:  // RGBA
      return depth == 8 || depth == 16;
    default:
      return false;
  }
}

absl::StatusOr<ImageHeader> ReadPng(absl::string_view data) {
  // Signature (8), chunk length (4), "IHDR" (4), 13 data bytes, CRC (4).
  constexpr size_t kNeeded = 8 + 4 + 4 + 13 + 4;
  if (data.size() < kPngSignature.size()) return Truncated("PNG", kNeeded, data.size());
  if (data.substr(0, kPngSignature.size()) != kPngSignature) {
    // The first 4 bytes matched; the rest is mangled (e.g. by a text-mode transfer).
    return Corrupt("PNG", "bad signature ", FirstBytes(data));
  }
  if (data.size() < kNeeded) return Truncated("PNG", kNeeded, data.size());
  if (data.substr(12, 4) != "IHDR") return Corrupt("PNG", "the first chunk is not IHDR");
  if (BigEndian32(data, 8) != 13) {
    return Corrupt("PNG", "IHDR is ", BigEndian32(data, 8), " bytes, not 13");
  }
  if (Crc32(data.substr(12, 4 + 13)) != BigEndian32(data, 29)) {
    return Corrupt("PNG", "IHDR CRC mismatch");
  }
  const uint32_t width = BigEndian32(data, 16);
  const uint32_t height = BigEndian32(data, 20);
  constexpr uint32_t kMaxDimension = 0x7FFFFFFFu;  // §11.2.2: at most 2^31 - 1
  if (width > kMaxDimension || height > kMaxDimension) {
    return Corrupt("PNG", "size ", width, "x", height, " is above 2^31-1");
  }
  const uint32_t depth = Byte(data, 24), color_type = Byte(data, 25);
  if (!ValidPngDepth(color_type, depth)) {
    return Corrupt("PNG", "bit depth ", depth, " with colour type ", color_type);
  }
  if (Byte(data, 26) != 0 || Byte(data, 27) != 0 || Byte(data, 28) > 1) {
    return Corrupt("PNG", "unknown compression, filter or interlace method");
  }
  return Sized("png", "PNG", width, height);
}

// --- JPEG (ITU-T T.81 §B.1-B.2): markers and segments up to the first frame header SOFn. --------

bool IsStartOfFrame(uint32_t marker) {
  // C0-CF are SOF0..SOF15 except C4 (DHT), C8 (JPG, reserved) and CC (DAC), which share the range.
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

absl::StatusOr<ImageHeader> ReadJpeg(absl::string_view data) {
  size_t pos = 2;  // after SOI (FF D8)
  while (true) {
    // Any bytes before the next 0xFF are skipped, as libjpeg (OpenCV's decoder) does with a
    // warning; a run of 0xFF is fill bytes (§B.1.1.2), and FF 00 is not a marker.
    while (pos < data.size() && Byte(data, pos) != 0xFF) ++pos;
    while (pos < data.size() && Byte(data, pos) == 0xFF) ++pos;
    if (pos >= data.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "truncated JPEG header: no frame header (SOFn) in the image's ", data.size(), " bytes"));
    }
    const uint32_t marker = Byte(data, pos++);
    if (marker == 0x00) continue;
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // TEM, RSTn: no length
    if (marker == 0xD8) return Corrupt("JPEG", "a second SOI marker before the frame header");
    if (marker == 0xD9) return Corrupt("JPEG", "EOI marker before any frame header");
    if (marker == 0xDA) return Corrupt("JPEG", "a scan (SOS) before the frame header");
    // Every other marker starts a segment whose 2-byte length counts itself.
    if (data.size() < pos + 2) return Truncated("JPEG", pos + 2, data.size());
    const size_t length = BigEndian16(data, pos);
    if (length < 2) {
      return Corrupt("JPEG", absl::StrFormat("segment FF%02X has length %d", marker, length));
    }
    if (data.size() < pos + length) return Truncated("JPEG", pos + length, data.size());
    if (IsStartOfFrame(marker)) {
      // Lf (2), P (1), Y (2), X (2), Nf (1), then 3 bytes per component.
      if (length < 8) return Corrupt("JPEG", "frame header of ", length, " bytes");
      const uint32_t components = Byte(data, pos + 7);
      if (components == 0 || length != 8 + 3 * components) {
        return Corrupt("JPEG", "frame header of ", length, " bytes for ", components,
                       " components");
      }
      // Y = 0 defers the height to a DNL marker after the first scan, which OpenCV does not read.
      return Sized("jpeg", "JPEG", BigEndian16(data, pos + 5), BigEndian16(data, pos + 3));
    }
    pos += length;
  }
}

// --- BMP: BITMAPFILEHEADER (14 bytes), then a DIB header that starts with its own size. ---------

absl::StatusOr<ImageHeader> ReadBmp(absl::string_view data) {
  constexpr size_t kFileHeader = 14;
  if (data.size() < kFileHeader + 4) return Truncated("BMP", kFileHeader + 4, data.size());
  const uint32_t dib_size = LittleEndian32(data, kFileHeader);
  // BITMAPCOREHEADER (12); BITMAPINFOHEADER (40) and its extensions: V2 (52), V3 (56), OS/2 2.x
  // (64), V4 (108), V5 (124). All but the first keep a signed 32-bit width and height at 4 and 8.
  const bool core = dib_size == 12;
  if (!core && dib_size != 40 && dib_size != 52 && dib_size != 56 && dib_size != 64 &&
      dib_size != 108 && dib_size != 124) {
    return Corrupt("BMP", "unknown DIB header size ", dib_size,
                   " (expected 12, 40, 52, 56, 64, 108 or 124)");
  }
  if (data.size() < kFileHeader + dib_size) {
    return Truncated("BMP", kFileHeader + dib_size, data.size());
  }
  if (core) {
    return Sized("bmp", "BMP", LittleEndian16(data, kFileHeader + 4),
                 LittleEndian16(data, kFileHeader + 6));
  }
  const auto width = static_cast<int32_t>(LittleEndian32(data, kFileHeader + 4));
  const auto height = static_cast<int32_t>(LittleEndian32(data, kFileHeader + 8));
  // A negative height marks a top-down bitmap; its magnitude is the height (INT32_MIN has none).
  if (height == std::numeric_limits<int32_t>::min()) {
    return Corrupt("BMP", "height ", height);
  }
  return Sized("bmp", "BMP", width, height < 0 ? -static_cast<int64_t>(height) : height);
}

// --- WebP (RFC 9649): RIFF header, then the first chunk: VP8, VP8L or VP8X. ---------------------

absl::StatusOr<ImageHeader> ReadWebp(absl::string_view data) {
  constexpr size_t kPayload = 20;  // "RIFF" size "WEBP" fourcc size
  if (data.size() < kPayload) return Truncated("WebP", kPayload, data.size());
  const absl::string_view fourcc = data.substr(12, 4);
  const uint32_t chunk_size = LittleEndian32(data, 16);
  if (fourcc == "VP8 ") {
    // RFC 6386 §9.1: a 3-byte frame tag, the start code 9D 01 2A, then 14-bit width and height
    // (the top 2 bits of each are a scaling hint).
    constexpr size_t kNeeded = kPayload + 10;
    if (chunk_size < 10) return Corrupt("WebP", "VP8 chunk of ", chunk_size, " bytes");
    if (data.size() < kNeeded) return Truncated("WebP", kNeeded, data.size());
    if ((Byte(data, kPayload) & 1) != 0) return Corrupt("WebP", "VP8 frame is not a key frame");
    if (Byte(data, kPayload + 3) != 0x9D || Byte(data, kPayload + 4) != 0x01 ||
        Byte(data, kPayload + 5) != 0x2A) {
      return Corrupt("WebP", "VP8 start code missing");
    }
    return Sized("webp", "WebP", LittleEndian16(data, kPayload + 6) & 0x3FFF,
                 LittleEndian16(data, kPayload + 8) & 0x3FFF);
  }
  if (fourcc == "VP8L") {
    // Signature 0x2F, then 14 bits width-1, 14 bits height-1, 1 bit alpha, 3 bits version (0).
    constexpr size_t kNeeded = kPayload + 5;
    if (chunk_size < 5) return Corrupt("WebP", "VP8L chunk of ", chunk_size, " bytes");
    if (data.size() < kNeeded) return Truncated("WebP", kNeeded, data.size());
    if (Byte(data, kPayload) != 0x2F) return Corrupt("WebP", "VP8L signature missing");
    const uint32_t bits = LittleEndian32(data, kPayload + 1);
    if ((bits >> 29) != 0) return Corrupt("WebP", "VP8L version ", bits >> 29);
    return Sized("webp", "WebP", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
  }
  if (fourcc == "VP8X") {
    // Flags (1), reserved (3), canvas width-1 (24 bits), canvas height-1 (24 bits).
    constexpr size_t kNeeded = kPayload + 10;
    if (chunk_size != 10) return Corrupt("WebP", "VP8X chunk of ", chunk_size, " bytes, not 10");
    if (data.size() < kNeeded) return Truncated("WebP", kNeeded, data.size());
    const int64_t width = int64_t{LittleEndian24(data, kPayload + 4)} + 1;
    const int64_t height = int64_t{LittleEndian24(data, kPayload + 7)} + 1;
    if (width * height > int64_t{0xFFFFFFFF}) {  // the container's limit on the canvas area
      return Corrupt("WebP", "canvas ", width, "x", height, " is above 2^32-1 pixels");
    }
    return Sized("webp", "WebP", width, height);
  }
  return Corrupt("WebP", "unknown first chunk '", absl::CHexEscape(fourcc), "'");
}

}  // namespace

absl::StatusOr<ImageHeader> ReadImageHeader(absl::string_view encoded) {
  if (encoded.empty()) return absl::InvalidArgumentError("the image is empty (0 bytes)");
  // Each format is recognised by a magic number at least two bytes long; the reader for it then
  // reports a truncated or corrupt header rather than an unknown format.
  if (absl::StartsWith(encoded, kPngSignature.substr(0, 4))) return ReadPng(encoded);
  if (absl::StartsWith(encoded, "\xFF\xD8")) return ReadJpeg(encoded);
  if (absl::StartsWith(encoded, "BM")) return ReadBmp(encoded);
  if (absl::StartsWith(encoded, "RIFF") &&
      (encoded.size() < 12 || encoded.substr(8, 4) == "WEBP")) {
    return ReadWebp(encoded);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "the image is not PNG, JPEG, BMP or WebP (first bytes: ", FirstBytes(encoded), ")"));
}

absl::Status CheckDecodedPixels(int64_t width, int64_t height, int64_t max_decoded_pixels) {
  if (width <= 0 || height <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("the image is ", width, "x", height, " (a size must be positive)"));
  }
  if (height <= max_decoded_pixels / width) return absl::OkStatus();  // width·height ≤ limit
  const std::string pixels = height <= std::numeric_limits<int64_t>::max() / width
                                 ? absl::StrCat(" = ", width * height, " pixels")
                                 : std::string(" pixels");
  return absl::ResourceExhaustedError(absl::StrCat("the image is ", width, "x", height, pixels,
                                                   "; the limit (max_decoded_pixels) is ",
                                                   max_decoded_pixels));
}

}  // namespace itaclip::server
