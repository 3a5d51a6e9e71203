#include "tests/server/image/test_images.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

namespace itaclip::server::test_images {

std::string Encode(const std::string& extension, const cv::Mat& image,
                   const std::vector<int>& params) {
  std::vector<uint8_t> bytes;
  const bool written = cv::imencode(extension, image, bytes, params);
  EXPECT_TRUE(written) << extension;
  if (!written) return "";
  return std::string(bytes.begin(), bytes.end());
}

cv::Mat Gradient(int width, int height) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<uint8_t>(255 * x / width), static_cast<uint8_t>(255 * y / height),
                    static_cast<uint8_t>(128));
    }
  }
  return image;
}

void PutBigEndian32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

void PutLittleEndian16(std::string& out, uint32_t value) {
  out.push_back(static_cast<char>(value & 0xFF));
  out.push_back(static_cast<char>((value >> 8) & 0xFF));
}

void PutLittleEndian32(std::string& out, uint32_t value) {
  PutLittleEndian16(out, value & 0xFFFF);
  PutLittleEndian16(out, value >> 16);
}

uint32_t PngCrc32(const std::string& bytes) {
  // Annex D's table-driven form, written as its bit-by-bit equivalent.
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : bytes) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
  }
  return crc ^ 0xFFFFFFFFu;
}

std::string PngChunk(const std::string& type, const std::string& data) {
  std::string chunk;
  PutBigEndian32(chunk, static_cast<uint32_t>(data.size()));
  chunk += type + data;
  PutBigEndian32(chunk, PngCrc32(type + data));
  return chunk;
}

std::string PngSignatureAndIhdr(uint32_t width, uint32_t height, int bit_depth, int colour_type) {
  std::string ihdr;
  PutBigEndian32(ihdr, width);
  PutBigEndian32(ihdr, height);
  ihdr.push_back(static_cast<char>(bit_depth));
  ihdr.push_back(static_cast<char>(colour_type));
  ihdr.append(3, '\0');  // compression, filter, interlace
  return std::string("\x89PNG\r\n\x1a\n", 8) + PngChunk("IHDR", ihdr);
}

namespace {

// BITMAPFILEHEADER for a file of `dib_size` header bytes followed by `pixel_bytes`.
std::string BmpFileHeader(uint32_t dib_size, uint32_t pixel_bytes) {
  std::string out = "BM";
  PutLittleEndian32(out, 14 + dib_size + pixel_bytes);  // bfSize
  PutLittleEndian32(out, 0);                            // bfReserved1, bfReserved2
  PutLittleEndian32(out, 14 + dib_size);                // bfOffBits
  return out;
}

int BmpStride(int width) { return (width * 3 + 3) / 4 * 4; }

}  // namespace

std::string TopDownBmp(int width, const std::vector<cv::Vec3b>& colours) {
  const int height = static_cast<int>(colours.size());
  const int stride = BmpStride(width);
  std::string out = BmpFileHeader(40, stride * height);
  PutLittleEndian32(out, 40);                                      // biSize
  PutLittleEndian32(out, static_cast<uint32_t>(width));            // biWidth
  PutLittleEndian32(out, static_cast<uint32_t>(-height));          // biHeight < 0: top-down
  PutLittleEndian16(out, 1);                                       // biPlanes
  PutLittleEndian16(out, 24);                                      // biBitCount
  PutLittleEndian32(out, 0);                                       // biCompression = BI_RGB
  PutLittleEndian32(out, static_cast<uint32_t>(stride * height));  // biSizeImage
  PutLittleEndian32(out, 2835);                                    // biXPelsPerMeter (72 dpi)
  PutLittleEndian32(out, 2835);                                    // biYPelsPerMeter
  PutLittleEndian32(out, 0);                                       // biClrUsed
  PutLittleEndian32(out, 0);                                       // biClrImportant
  for (const cv::Vec3b& colour : colours) {
    std::string row;
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < 3; ++c) row.push_back(static_cast<char>(colour[c]));
    }
    row.resize(stride, '\0');
    out += row;
  }
  return out;
}

std::string CoreHeaderBmp(int width, int height, cv::Vec3b colour) {
  const int stride = BmpStride(width);
  std::string out = BmpFileHeader(12, stride * height);
  PutLittleEndian32(out, 12);  // bcSize
  PutLittleEndian16(out, static_cast<uint32_t>(width));
  PutLittleEndian16(out, static_cast<uint32_t>(height));
  PutLittleEndian16(out, 1);   // bcPlanes
  PutLittleEndian16(out, 24);  // bcBitCount
  for (int y = 0; y < height; ++y) {
    std::string row;
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < 3; ++c) row.push_back(static_cast<char>(colour[c]));
    }
    row.resize(stride, '\0');
    out += row;
  }
  return out;
}

std::string Vp8xWebp(uint32_t canvas_width, uint32_t canvas_height,
                     const std::string& image_chunks) {
  std::string vp8x = "VP8X";
  PutLittleEndian32(vp8x, 10);
  vp8x.append(4, '\0');  // flags (no ICC, alpha, EXIF, XMP or animation) and 3 reserved bytes
  const uint32_t w = canvas_width - 1, h = canvas_height - 1;
  for (uint32_t v : {w, h}) {
    for (int shift = 0; shift < 24; shift += 8) vp8x.push_back(static_cast<char>(v >> shift));
  }
  std::string out = "RIFF";
  PutLittleEndian32(out, static_cast<uint32_t>(4 + vp8x.size() + image_chunks.size()));
  return out + "WEBP" + vp8x + image_chunks;
}

std::string WebpChunks(const std::string& webp) { return webp.substr(12); }

}  // namespace itaclip::server::test_images
