#include "client/eval/read_ground_truth.h"

#include <cstdint>
#include <opencv2/core.hpp>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/input/read_file.h"
#include "core/common/status_macros.h"
#include "image_codecs/image_codecs.h"

namespace itaclip::client {
namespace {

constexpr char kPngSignature[] = "\x89PNG\r\n\x1a\n";
constexpr size_t kPngSignatureSize = 8;
constexpr int kColourTypeGray = 0;
constexpr int kColourTypePalette = 3;

uint32_t ReadBigEndian32(const std::string& bytes, size_t offset) {
  return (uint32_t{static_cast<uint8_t>(bytes[offset])} << 24) |
         (uint32_t{static_cast<uint8_t>(bytes[offset + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(bytes[offset + 2])} << 8) |
         uint32_t{static_cast<uint8_t>(bytes[offset + 3])};
}

// What the decoder needs from the chunks before the image data.
struct PngHeader {
  int bit_depth = 0;
  int colour_type = 0;
  std::string palette;  // PLTE's data: r, g, b per entry
};

absl::StatusOr<PngHeader> ReadPngHeader(const std::string& bytes, const std::string& path) {
  PngHeader header;
  size_t offset = kPngSignatureSize;
  bool seen_header = false;
  // Chunks: length (4), type (4), data (length), CRC (4). IHDR comes first; PLTE before IDAT.
  while (offset + 8 <= bytes.size()) {
    const uint32_t length = ReadBigEndian32(bytes, offset);
    const std::string type = bytes.substr(offset + 4, 4);
    const size_t data = offset + 8;
    if (length > bytes.size() || data + length + 4 > bytes.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("ground truth ", path, ": the PNG chunk ", type, " is truncated"));
    }
    if (type == "IHDR") {
      if (length < 13) {
        return absl::InvalidArgumentError(
            absl::StrCat("ground truth ", path, ": the PNG header is too short"));
      }
      header.bit_depth = static_cast<uint8_t>(bytes[data + 8]);
      header.colour_type = static_cast<uint8_t>(bytes[data + 9]);
      seen_header = true;
    } else if (type == "PLTE") {
      header.palette = bytes.substr(data, length);
    } else if (type == "IDAT" || type == "IEND") {
      break;
    }
    offset = data + length + 4;
  }
  if (!seen_header) {
    return absl::InvalidArgumentError(absl::StrCat("ground truth ", path, ": no PNG header"));
  }
  return header;
}

absl::StatusOr<cv::Mat> Decode(const std::string& bytes, image_codecs::DecodeMode mode,
                               const std::string& path) {
  cv::Mat image;
  try {
    ASSIGN_OR_RETURN(image, image_codecs::Decode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8UC1,
                                                         const_cast<char*>(bytes.data())),
                                                 mode));
  } catch (const cv::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("ground truth ", path, " does not decode: ", e.what()));
  }
  if (image.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("ground truth ", path, " does not decode"));
  }
  return image;
}

uint32_t ColourKey(uint8_t r, uint8_t g, uint8_t b) {
  return (uint32_t{r} << 16) | (uint32_t{g} << 8) | b;
}

// OpenCV expands palette PNGs to colours; the indices come back through the file's own palette.
absl::StatusOr<cv::Mat> PaletteIndices(const std::string& bytes, const PngHeader& header,
                                       const std::string& path) {
  if (header.palette.empty() || header.palette.size() % 3 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("ground truth ", path, ": a palette PNG without a valid PLTE chunk"));
  }
  std::unordered_map<uint32_t, int> index_of_colour;
  for (size_t i = 0; i * 3 < header.palette.size(); ++i) {
    const uint32_t key =
        ColourKey(header.palette[3 * i], header.palette[3 * i + 1], header.palette[3 * i + 2]);
    // A colour listed twice keeps its first index: palettes padded with black after the entries
    // in use are common, and there black must stay class 0.
    index_of_colour.insert({key, static_cast<int>(i)});
  }
  ASSIGN_OR_RETURN(cv::Mat bgr, Decode(bytes, image_codecs::DecodeMode::kBgr, path));
  cv::Mat indices(bgr.size(), CV_8UC1);
  for (int row = 0; row < bgr.rows; ++row) {
    const cv::Vec3b* in = bgr.ptr<cv::Vec3b>(row);
    uint8_t* out = indices.ptr<uint8_t>(row);
    for (int col = 0; col < bgr.cols; ++col) {
      const uint32_t key = ColourKey(in[col][2], in[col][1], in[col][0]);
      const auto it = index_of_colour.find(key);
      if (it == index_of_colour.end() || it->second > 255) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "ground truth %s: the colour (%d, %d, %d) at x=%d y=%d is not among the first 256 "
            "palette entries",
            path, in[col][2], in[col][1], in[col][0], col, row));
      }
      out[col] = static_cast<uint8_t>(it->second);
    }
  }
  return indices;
}

}  // namespace

absl::StatusOr<cv::Mat> DecodeGroundTruth(const std::string& bytes, const std::string& path) {
  if (bytes.size() >= kPngSignatureSize &&
      bytes.compare(0, kPngSignatureSize, kPngSignature, kPngSignatureSize) == 0) {
    ASSIGN_OR_RETURN(PngHeader header, ReadPngHeader(bytes, path));
    if (header.colour_type == kColourTypePalette) return PaletteIndices(bytes, header, path);
    if (header.colour_type != kColourTypeGray || header.bit_depth != 8) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ground truth ", path, " is a PNG of colour type ", header.colour_type, " and bit depth ",
          header.bit_depth, "; expected class indices as an 8-bit grayscale or a palette PNG"));
    }
  }
  ASSIGN_OR_RETURN(cv::Mat labels, Decode(bytes, image_codecs::DecodeMode::kUnchanged, path));
  if (labels.type() != CV_8UC1) {
    return absl::InvalidArgumentError(
        absl::StrCat("ground truth ", path, " decodes to ", labels.channels(), " channels of ",
                     labels.elemSize1() * 8, " bits; expected one 8-bit channel of class indices"));
  }
  return labels;
}

absl::StatusOr<cv::Mat> ReadGroundTruth(const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path, "ground truth"));
  return DecodeGroundTruth(bytes, path);
}

}  // namespace itaclip::client
