// Encoded images for the image tests: OpenCV's encoders at known sizes, and byte-by-byte builds of
// the cases OpenCV does not write (a top-down or BITMAPCOREHEADER BMP, a VP8X WebP, a bare IHDR).
#ifndef ITACLIP_TESTS_SERVER_IMAGE_TEST_IMAGES_H_
#define ITACLIP_TESTS_SERVER_IMAGE_TEST_IMAGES_H_

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

namespace itaclip::server::test_images {

// cv::imencode(extension, image, params) as a string; fails the test (and returns "") if it fails.
std::string Encode(const std::string& extension, const cv::Mat& image,
                   const std::vector<int>& params = {});

// A smooth CV_8UC3 image (gradients), so that lossy codecs keep it close.
cv::Mat Gradient(int width, int height);

// Appends `value` as big- or little-endian bytes.
void PutBigEndian32(std::string& out, uint32_t value);
void PutLittleEndian16(std::string& out, uint32_t value);
void PutLittleEndian32(std::string& out, uint32_t value);

// CRC-32 as PNG defines it (ISO/IEC 15948 annex D), over `bytes`.
uint32_t PngCrc32(const std::string& bytes);

// A PNG chunk: length, type, data, CRC.
std::string PngChunk(const std::string& type, const std::string& data);

// The PNG signature followed by an IHDR chunk (compression, filter and interlace 0).
std::string PngSignatureAndIhdr(uint32_t width, uint32_t height, int bit_depth, int colour_type);

// A 24-bit BMP with a BITMAPINFOHEADER stored top-down (negative height): row y of the file is
// filled with colours[y] (BGR), rows padded to 4 bytes.
std::string TopDownBmp(int width, const std::vector<cv::Vec3b>& colours);

// A 24-bit bottom-up BMP with a 12-byte BITMAPCOREHEADER, every pixel `colour` (BGR).
std::string CoreHeaderBmp(int width, int height, cv::Vec3b colour);

// A WebP whose first chunk is VP8X with the given canvas (stored as size - 1 in 24 bits), followed
// by `image_chunks` (complete chunks, e.g. the VP8 chunk of another WebP file).
std::string Vp8xWebp(uint32_t canvas_width, uint32_t canvas_height,
                     const std::string& image_chunks = "");

// The chunks after the 12-byte RIFF header of a WebP file.
std::string WebpChunks(const std::string& webp);

}  // namespace itaclip::server::test_images

#endif  // ITACLIP_TESTS_SERVER_IMAGE_TEST_IMAGES_H_
