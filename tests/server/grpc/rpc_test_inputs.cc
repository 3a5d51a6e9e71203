#include "tests/server/grpc/rpc_test_inputs.h"

#include <chrono>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <vector>

#include "tests/testing/test_paths.h"
#include "zlib.h"

namespace itaclip::testing {

cv::Mat RandomImage(int width, int height, uint64_t seed) {
  cv::RNG rng(seed);
  cv::Mat image(height, width, CV_8UC3);
  rng.fill(image, cv::RNG::UNIFORM, 0, 256);
  cv::GaussianBlur(image, image, cv::Size(0, 0), 6.0);
  return image;
}

std::string VocSampleBytes(const std::string& name) {
  std::ifstream in(SharedPath("data/voc-samples/" + name + ".jpg"), std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

cv::Mat VocSampleImage(const std::string& name) {
  return cv::imread(SharedPath("data/voc-samples/" + name + ".jpg"), cv::IMREAD_COLOR);
}

std::string EncodePng(const cv::Mat& image) {
  std::vector<unsigned char> png;
  cv::imencode(".png", image, png);
  return std::string(png.begin(), png.end());
}

std::string PngClaimingSize(uint32_t width, uint32_t height) {
  std::string png = EncodePng(cv::Mat(1, 1, CV_8UC3, cv::Scalar(1, 2, 3)));
  // Signature (8) + IHDR length (4) + "IHDR" (4), then width and height big-endian.
  for (int i = 0; i < 4; ++i) {
    png[16 + i] = static_cast<char>((width >> (24 - 8 * i)) & 0xFF);
    png[20 + i] = static_cast<char>((height >> (24 - 8 * i)) & 0xFF);
  }
  // The CRC covers the chunk type and its 13 data bytes.
  const uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(png.data() + 12), 17);
  for (int i = 0; i < 4; ++i) png[29 + i] = static_cast<char>((crc >> (24 - 8 * i)) & 0xFF);
  return png;
}

v1::VocabularyDefinition AnimalsVocabulary() {
  v1::VocabularyDefinition vocabulary;
  vocabulary.set_background_first(true);
  v1::ClassDefinition* background = vocabulary.add_classes();
  background->add_names("sky");
  background->add_names("wall");
  v1::ClassDefinition* cat = vocabulary.add_classes();
  cat->add_names("cat");
  cat->set_description("a small furry pet with whiskers");
  v1::ClassDefinition* dog = vocabulary.add_classes();
  dog->add_names("dog");
  dog->add_names("puppy");
  return vocabulary;
}

v1::VocabularyDefinition StreetVocabulary() {
  v1::VocabularyDefinition vocabulary;
  vocabulary.add_classes()->add_names("road");
  v1::ClassDefinition* car = vocabulary.add_classes();
  car->add_names("car");
  car->add_names("truck");
  vocabulary.add_classes()->add_names("tree");
  return vocabulary;
}

void MakeCheap(v1::SegmentRequest& request) {
  (*request.mutable_overrides())["short_side"] = "224";
  (*request.mutable_overrides())["pamr_steps"] = "2";
}

v1::SegmentRequest SegmentById(const std::string& encoded_image, const std::string& vocabulary_id) {
  v1::SegmentRequest request;
  request.set_encoded_image(encoded_image);
  request.set_vocabulary_id(vocabulary_id);
  MakeCheap(request);
  return request;
}

// A guard against a hung server, not a timing assertion: 64 calls queued behind each other on a
// loaded 2-core machine can take minutes.
constexpr std::chrono::seconds kCallDeadline(600);

grpc::Status CallSegment(v1::SegmentationService::Stub& stub, const v1::SegmentRequest& request,
                         v1::SegmentResponse* response, const std::string& request_id) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  if (!request_id.empty()) context.AddMetadata("x-request-id", request_id);
  return stub.Segment(&context, request, response);
}

grpc::Status CallRegister(v1::SegmentationService::Stub& stub,
                          const v1::VocabularyDefinition& vocabulary,
                          v1::RegisterClassesResponse* response, const std::string& display_name) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  v1::RegisterClassesRequest request;
  *request.mutable_vocabulary() = vocabulary;
  request.set_display_name(display_name);
  return stub.RegisterClasses(&context, request, response);
}

cv::Mat DecodeLabelMap(const v1::LabelMap& labels) {
  if (labels.format() == v1::LABEL_FORMAT_PNG) {
    const std::vector<unsigned char> png(labels.data().begin(), labels.data().end());
    return cv::imdecode(png, cv::IMREAD_UNCHANGED);
  }
  const int type = labels.bits_per_pixel() == 16 ? CV_16UC1 : CV_8UC1;
  const size_t bytes = static_cast<size_t>(labels.width()) * labels.height() *
                       (labels.bits_per_pixel() == 16 ? 2 : 1);
  if (labels.width() <= 0 || labels.height() <= 0 || labels.data().size() != bytes) return {};
  cv::Mat wrapped(labels.height(), labels.width(), type, const_cast<char*>(labels.data().data()));
  return wrapped.clone();  // little-endian uint16 is the host order here (x86, arm64)
}

}  // namespace itaclip::testing
