#include "client/output/decode_label_map.h"

#include <algorithm>
#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "image_codecs/image_codecs.h"

namespace itaclip::client {
namespace {

cv::Mat DecodeRaw(const std::string& data, int width, int height, int bits) {
  cv::Mat labels(height, width, bits == 8 ? CV_8UC1 : CV_16UC1);
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  for (int y = 0; y < height; ++y) {
    if (bits == 8) {
      std::copy(bytes + int64_t{y} * width, bytes + int64_t{y + 1} * width, labels.ptr<uint8_t>(y));
      continue;
    }
    // Assembled byte by byte: the wire order is little-endian whatever this machine's order is.
    uint16_t* row = labels.ptr<uint16_t>(y);
    const uint8_t* source = bytes + int64_t{y} * width * 2;
    for (int x = 0; x < width; ++x) {
      row[x] = static_cast<uint16_t>(source[2 * x] | (source[2 * x + 1] << 8));
    }
  }
  return labels;
}

}  // namespace

absl::StatusOr<cv::Mat> DecodeLabelMap(const v1::LabelMap& labels) {
  const int width = labels.width();
  const int height = labels.height();
  const int bits = labels.bits_per_pixel();
  if (width <= 0 || height <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("the answer's label map is ", width, "x", height, " pixels"));
  }
  if (bits != 8 && bits != 16) {
    return absl::InvalidArgumentError(
        absl::StrCat("the answer's label map has ", bits, " bits per pixel (not 8 or 16)"));
  }
  if (labels.format() == v1::LABEL_FORMAT_RAW) {
    const int64_t expected = int64_t{width} * height * (bits / 8);
    if (static_cast<int64_t>(labels.data().size()) != expected) {
      return absl::InvalidArgumentError(
          absl::StrCat("the answer's raw label map holds ", labels.data().size(), " bytes, not ",
                       expected, " (", width, "x", height, " at ", bits, " bits)"));
    }
    return DecodeRaw(labels.data(), width, height, bits);
  }
  if (labels.format() != v1::LABEL_FORMAT_PNG) {
    return absl::InvalidArgumentError(
        absl::StrCat("the answer's label map has an unknown format (", labels.format(), ")"));
  }
  if (!image_codecs::Available()) {
    return image_codecs::Unavailable("reading a PNG label map (ask for raw labels instead)");
  }
  const std::string& png = labels.data();
  cv::Mat decoded;
  try {
    if (!png.empty()) {
      ASSIGN_OR_RETURN(decoded,
                       image_codecs::Decode(cv::Mat(1, static_cast<int>(png.size()), CV_8UC1,
                                                    const_cast<char*>(png.data())),
                                            image_codecs::DecodeMode::kUnchanged));
    }
  } catch (const cv::Exception&) {
    decoded = cv::Mat();
  }
  if (decoded.empty()) {
    return absl::InvalidArgumentError("the answer's label map is not a PNG that OpenCV decodes");
  }
  const int expected_type = bits == 8 ? CV_8UC1 : CV_16UC1;
  if (decoded.cols != width || decoded.rows != height || decoded.type() != expected_type) {
    return absl::InvalidArgumentError(
        absl::StrCat("the answer's label PNG is ", decoded.cols, "x", decoded.rows, " with ",
                     decoded.channels(), " channel(s) of ", decoded.elemSize1() * 8, " bits, not ",
                     width, "x", height, " with 1 channel of ", bits, " bits"));
  }
  return decoded;
}

absl::Status CheckLabelsBelow(const cv::Mat& labels, size_t num_classes) {
  if (labels.empty()) return absl::OkStatus();
  double max_label = 0;
  cv::minMaxLoc(labels, nullptr, &max_label);
  if (max_label < static_cast<double>(num_classes)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("the answer's label map holds label ",
                                                 static_cast<int64_t>(max_label),
                                                 " but names only ", num_classes, " classes"));
}

}  // namespace itaclip::client
