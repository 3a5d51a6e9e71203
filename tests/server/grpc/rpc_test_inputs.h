// Inputs and small client-side helpers shared by the in-process server tests: images (random, a
// VOC sample, encoded as PNG), two vocabularies, cheap Segment requests, calls that carry an
// x-request-id, and the decoding of a label map answer.
#ifndef ITACLIP_TESTS_SERVER_GRPC_RPC_TEST_INPUTS_H_
#define ITACLIP_TESTS_SERVER_GRPC_RPC_TEST_INPUTS_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <string>

#include "itaclip/v1/segmentation_service.grpc.pb.h"

namespace itaclip::testing {

// A BGR image of uniform noise, the same for a seed. Smoothed so that the segmentation has regions
// rather than salt and pepper (which makes label comparisons meaningful).
cv::Mat RandomImage(int width, int height, uint64_t seed);
// shared/data/voc-samples/<name>.jpg as decoded by OpenCV (BGR); empty when it cannot be read.
cv::Mat VocSampleImage(const std::string& name);
std::string VocSampleBytes(const std::string& name);  // the JPEG file's bytes
std::string EncodePng(const cv::Mat& image);
// A 1x1 PNG whose IHDR claims width x height (with a valid CRC, so only the size is wrong): what
// header checks see of a huge image, without making one.
std::string PngClaimingSize(uint32_t width, uint32_t height);

// Background first: {sky, wall}, {cat, described}, {dog, puppy}: 3 classes, 5 queries.
v1::VocabularyDefinition AnimalsVocabulary();
// No background: {road}, {car, truck}, {tree}: 3 classes, 4 queries.
v1::VocabularyDefinition StreetVocabulary();

// Overrides that keep a Segment cheap: short side 224 (one 224 crop for a square image) and two
// PAMR steps.
void MakeCheap(v1::SegmentRequest& request);
// An encoded-image Segment request against `vocabulary_id`, made cheap.
v1::SegmentRequest SegmentById(const std::string& encoded_image, const std::string& vocabulary_id);

// Unary calls with a 60 s deadline (a hung server fails the test instead of blocking it).
// `request_id`, when not empty, goes out as x-request-id metadata.
grpc::Status CallSegment(v1::SegmentationService::Stub& stub, const v1::SegmentRequest& request,
                         v1::SegmentResponse* response, const std::string& request_id = "");
grpc::Status CallRegister(v1::SegmentationService::Stub& stub,
                          const v1::VocabularyDefinition& vocabulary,
                          v1::RegisterClassesResponse* response,
                          const std::string& display_name = "");

// A LabelMap answer as a CV_8U/CV_16U matrix: a PNG decoded with IMREAD_UNCHANGED, raw bytes
// wrapped at width x height. Empty when it cannot be decoded.
cv::Mat DecodeLabelMap(const v1::LabelMap& labels);

}  // namespace itaclip::testing

#endif  // ITACLIP_TESTS_SERVER_GRPC_RPC_TEST_INPUTS_H_
