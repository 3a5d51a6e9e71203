// ToGrpcStatus: every absl code lands on the gRPC code of the same name, messages pass through, and
// long messages are capped.
#include "server/grpc/status_conversion.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace itaclip::server {
namespace {

TEST(StatusConversionTest, OkIsOk) {
  grpc::Status status = ToGrpcStatus(absl::OkStatus());
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OK);
  EXPECT_EQ(status.error_message(), "");
}

TEST(StatusConversionTest, EveryCodeMapsToTheGrpcCodeOfTheSameName) {
  // Pairs written by name, so the test does not rely on the shared numbering it checks.
  const std::vector<std::pair<absl::StatusCode, grpc::StatusCode>> pairs = {
      {absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED},
      {absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN},
      {absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
      {absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED},
      {absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
      {absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
      {absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED},
      {absl::StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED},
      {absl::StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION},
      {absl::StatusCode::kAborted, grpc::StatusCode::ABORTED},
      {absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE},
      {absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED},
      {absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL},
      {absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
      {absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS},
      {absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED},
  };
  ASSERT_EQ(pairs.size(), 16u);  // with OK (tested above), all 17 codes
  for (const auto& [absl_code, grpc_code] : pairs) {
    const std::string message = "because " + absl::StatusCodeToString(absl_code);
    grpc::Status status = ToGrpcStatus(absl::Status(absl_code, message));
    EXPECT_EQ(status.error_code(), grpc_code) << absl::StatusCodeToString(absl_code);
    EXPECT_EQ(status.error_message(), message);
  }
}

TEST(StatusConversionTest, AMessageAtTheCapPassesWhole) {
  const std::string message(kMaxStatusMessageBytes, 'm');
  EXPECT_EQ(ToGrpcStatus(absl::InvalidArgumentError(message)).error_message(), message);
}

TEST(StatusConversionTest, LongerMessagesAreCutToTheCapEndingInAnEllipsis) {
  std::string message;
  for (int i = 0; message.size() < 5000; ++i) message += std::to_string(i) + " ";
  const std::string capped = ToGrpcStatus(absl::InternalError(message)).error_message();
  ASSERT_EQ(capped.size(), kMaxStatusMessageBytes);
  EXPECT_EQ(capped.substr(capped.size() - 3), "...");
  EXPECT_EQ(capped.substr(0, kMaxStatusMessageBytes - 3),
            message.substr(0, kMaxStatusMessageBytes - 3));

  const std::string one_over(kMaxStatusMessageBytes + 1, 'm');
  EXPECT_EQ(ToGrpcStatus(absl::InternalError(one_over)).error_message(),
            std::string(kMaxStatusMessageBytes - 3, 'm') + "...");
}

// True when `text` is well-formed UTF-8 (no truncated sequence at the end or inside).
bool IsUtf8(const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80           ? 1
                          : (lead >> 5) == 0x6  ? 2
                          : (lead >> 4) == 0xE  ? 3
                          : (lead >> 3) == 0x1E ? 4
                                                : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

TEST(StatusConversionTest, TheCutDoesNotSplitAUtf8Character) {
  // Messages quote client text (class names), which may be any UTF-8. "é" is 2 bytes and "猫" 3,
  // so a cut at a fixed byte count would land inside one of them for one of the two prefixes.
  for (const std::string& prefix : {std::string(""), std::string("x")}) {
    for (const std::string& character : {std::string("\xc3\xa9"), std::string("\xe7\x8c\xab")}) {
      std::string message = prefix;
      while (message.size() < 2 * kMaxStatusMessageBytes) message += character;
      const std::string capped = ToGrpcStatus(absl::InvalidArgumentError(message)).error_message();
      EXPECT_LE(capped.size(), kMaxStatusMessageBytes);
      EXPECT_GE(capped.size(), kMaxStatusMessageBytes - 3);  // at most one character less
      EXPECT_EQ(capped.substr(capped.size() - 3), "...");
      EXPECT_TRUE(IsUtf8(capped)) << "prefix '" << prefix << "', " << character.size()
                                  << "-byte characters";
      EXPECT_EQ(message.compare(0, capped.size() - 3, capped, 0, capped.size() - 3), 0);
    }
  }
}

}  // namespace
}  // namespace itaclip::server
