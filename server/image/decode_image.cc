#include "server/image/decode_image.h"

#include <limits>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "image_codecs/image_codecs.h"
#include "server/image/image_header.h"

namespace itaclip::server {
namespace {

// The enum's name, or its number when a newer client sent a value this server does not know.
std::string FormatName(v1::RawImage::PixelFormat format) {
  const std::string& name = v1::RawImage::PixelFormat_Name(format);
  return name.empty() ? absl::StrCat(static_cast<int>(format)) : name;
}

// Bytes per pixel of a raw format; 0 for a format this server does not know.
int RawImageChannels(v1::RawImage::PixelFormat format) {
  switch (format) {
    case v1::RawImage::RGB:
    case v1::RawImage::BGR:
      return 3;
    case v1::RawImage::GRAY:
      return 1;
    default:
      return 0;
  }
}

}  // namespace

absl::StatusOr<cv::Mat> DecodeEncodedImage(absl::string_view encoded, int64_t max_decoded_pixels) {
  ASSIGN_OR_RETURN(const ImageHeader header, ReadImageHeader(encoded));
  RETURN_IF_ERROR(CheckDecodedPixels(header.width, header.height, max_decoded_pixels));
  if (encoded.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::InvalidArgumentError(
        absl::StrCat("the image is ", encoded.size(), " bytes, more than OpenCV can read"));
  }
  // A header over the bytes, not a copy: imdecode only reads its input.
  const cv::Mat buffer(1, static_cast<int>(encoded.size()), CV_8UC1,
                       const_cast<char*>(encoded.data()));
  if (!image_codecs::Available()) {
    return image_codecs::Unavailable(
        absl::StrCat("decoding the ", header.format, " image (send raw_image pixels instead)"));
  }
  cv::Mat image;
  try {
    ASSIGN_OR_RETURN(image, image_codecs::Decode(buffer, image_codecs::DecodeMode::kBgr));
  } catch (const cv::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("could not decode the ", header.format, " image: ", e.what()));
  }
  if (image.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("could not decode the ", header.format, " image"));
  }
  if (image.type() != CV_8UC3) {  // IMREAD_COLOR promises 8-bit BGR; core requires it
    return absl::InternalError(absl::StrCat("OpenCV decoded the ", header.format, " image to type ",
                                            image.type(), ", not CV_8UC3"));
  }
  // EXIF orientation 5-8 turns the image a quarter: the decoded size is then the header's
  // transposed, with the same pixel count, so the limit checked above still holds.
  const bool same = image.cols == header.width && image.rows == header.height;
  const bool turned = image.cols == header.height && image.rows == header.width;
  if (!same && !turned) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", header.format, " header says ", header.width, "x", header.height,
                     " but the image decoded to ", image.cols, "x", image.rows));
  }
  return image;
}

absl::Status ValidateRawImage(const v1::RawImage& raw, int64_t max_decoded_pixels) {
  if (raw.width() <= 0 || raw.height() <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("raw_image is ", raw.width(), "x", raw.height(),
                                                   " (a size must be positive)"));
  }
  // The pixel limit first: an oversized image is refused as such, whatever its buffer.
  RETURN_IF_ERROR(CheckDecodedPixels(raw.width(), raw.height(), max_decoded_pixels));
  const int channels = RawImageChannels(raw.format());
  if (channels == 0) {
    return absl::InvalidArgumentError(absl::StrCat("raw_image.format is ", FormatName(raw.format()),
                                                   "; expected RGB, BGR or GRAY"));
  }
  const int64_t expected = int64_t{raw.width()} * raw.height() * channels;
  if (static_cast<int64_t>(raw.pixels().size()) != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        "raw_image.pixels is ", raw.pixels().size(), " bytes; a ", raw.width(), "x", raw.height(),
        " ", FormatName(raw.format()), " image needs exactly ", expected));
  }
  return absl::OkStatus();
}

absl::StatusOr<cv::Mat> ImageFromRawPixels(const v1::RawImage& raw, int64_t max_decoded_pixels) {
  RETURN_IF_ERROR(ValidateRawImage(raw, max_decoded_pixels));
  const int channels = RawImageChannels(raw.format());
  // A header over the request's bytes; cvtColor and clone write a new, owned image.
  const cv::Mat pixels(raw.height(), raw.width(), CV_8UC(channels),
                       const_cast<char*>(raw.pixels().data()));
  cv::Mat bgr;
  switch (raw.format()) {
    case v1::RawImage::RGB:
      cv::cvtColor(pixels, bgr, cv::COLOR_RGB2BGR);
      break;
    case v1::RawImage::GRAY:
      cv::cvtColor(pixels, bgr, cv::COLOR_GRAY2BGR);
      break;
    default:
      bgr = pixels.clone();
      break;
  }
  return bgr;
}

}  // namespace itaclip::server
