#include "server/image/encode_outputs.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "image_codecs/image_codecs.h"

namespace itaclip::server {
namespace {

// FLOAT32 and the half values are copied as the host's bytes, which the wire defines as
// little-endian.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the wire format is little-endian");

// A serialized protobuf message is at most 2 GiB - 1; a bytes field cannot be larger.
constexpr int64_t kMaxFieldBytes = std::numeric_limits<int32_t>::max();

std::string RawLabels(const cv::Mat& labels) {
  const int bytes_per_pixel = labels.depth() == CV_8U ? 1 : 2;
  std::string data(static_cast<size_t>(labels.total()) * bytes_per_pixel, '\0');
  char* out = data.data();
  for (int y = 0; y < labels.rows; ++y) {
    if (bytes_per_pixel == 1) {
      std::memcpy(out, labels.ptr<uint8_t>(y), labels.cols);
      out += labels.cols;
      continue;
    }
    const uint16_t* row = labels.ptr<uint16_t>(y);
    for (int x = 0; x < labels.cols; ++x) {
      *out++ = static_cast<char>(row[x] & 0xFF);  // low byte first: little-endian
      *out++ = static_cast<char>(row[x] >> 8);
    }
  }
  return data;
}

}  // namespace

absl::Status EncodeLabelMap(const cv::Mat& labels, v1::LabelFormat format, v1::LabelMap* out) {
  if (labels.empty()) return absl::InvalidArgumentError("the label map is empty");
  if (labels.type() != CV_8UC1 && labels.type() != CV_16UC1) {
    return absl::InvalidArgumentError(absl::StrCat("the label map has OpenCV type ", labels.type(),
                                                   "; expected CV_8UC1 or CV_16UC1"));
  }
  std::string data;
  switch (format) {
    case v1::LABEL_FORMAT_PNG: {
      if (!image_codecs::Available()) {
        return image_codecs::Unavailable("a PNG label map (ask for LABEL_FORMAT_RAW instead)");
      }
      std::vector<uint8_t> png;
      bool written = false;
      try {
        ASSIGN_OR_RETURN(written, image_codecs::Encode(".png", labels, &png));
      } catch (const cv::Exception& e) {
        return absl::InternalError(absl::StrCat("could not encode the label map: ", e.what()));
      }
      if (!written) return absl::InternalError("could not encode the label map as PNG");
      data.assign(png.begin(), png.end());
      break;
    }
    case v1::LABEL_FORMAT_RAW:
      data = RawLabels(labels);
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown label format ", static_cast<int>(format)));
  }
  out->set_width(labels.cols);
  out->set_height(labels.rows);
  out->set_format(format);
  out->set_bits_per_pixel(labels.depth() == CV_8U ? 8 : 16);
  out->set_data(std::move(data));
  return absl::OkStatus();
}

absl::Status EncodeScores(const at::Tensor& scores, v1::ScoreFormat format, v1::ClassScores* out) {
  if (format == v1::SCORE_FORMAT_NONE) return absl::OkStatus();
  if (format != v1::SCORE_FORMAT_FLOAT16 && format != v1::SCORE_FORMAT_FLOAT32) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown score format ", static_cast<int>(format)));
  }
  if (!scores.defined()) return absl::InvalidArgumentError("no scores to encode");
  if (scores.dim() != 3 || scores.scalar_type() != at::kFloat || !scores.device().is_cpu()) {
    return absl::InvalidArgumentError(
        absl::StrCat("scores must be a [classes, H, W] float32 CPU tensor; got ", scores.toString(),
                     " of ", scores.dim(), " dimensions"));
  }
  for (int64_t size : scores.sizes()) {
    if (size <= 0 || size > std::numeric_limits<int32_t>::max()) {
      return absl::InvalidArgumentError(absl::StrCat("scores have a dimension of size ", size));
    }
  }
  const int64_t bytes = scores.numel() * (format == v1::SCORE_FORMAT_FLOAT16 ? 2 : 4);
  if (bytes > kMaxFieldBytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the scores would be ", bytes, " bytes, more than a protobuf message can hold"));
  }
  // Tensor::to(kHalf) rounds to nearest-even (c10::Half, or the F16C instruction when vectorised).
  const at::Tensor wire =
      (format == v1::SCORE_FORMAT_FLOAT16 ? scores.to(at::kHalf) : scores).contiguous();
  out->set_format(format);
  out->set_num_classes(static_cast<int32_t>(scores.size(0)));
  out->set_height(static_cast<int32_t>(scores.size(1)));
  out->set_width(static_cast<int32_t>(scores.size(2)));
  out->set_data(static_cast<const char*>(wire.data_ptr()), static_cast<size_t>(bytes));
  return absl::OkStatus();
}

}  // namespace itaclip::server
