// Accepts a client's x-request-id or makes a random one.
#include "server/observability/request_id.h"

#include <cstdint>
#include <random>

namespace itaclip::server {
namespace {

constexpr size_t kMaxRequestIdLength = 128;

bool IsRequestIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

}  // namespace

bool IsValidRequestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (const char c : id) {
    if (!IsRequestIdChar(c)) return false;
  }
  return true;
}

std::string RequestIdFromMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  const auto it = metadata.find(kRequestIdMetadataKey);
  if (it == metadata.end()) return NewRequestId();
  return RequestIdOrNew(absl::string_view(it->second.data(), it->second.size()));
}

std::string RequestIdOrNew(std::optional<absl::string_view> client_id) {
  if (client_id.has_value() && IsValidRequestId(*client_id)) return std::string(*client_id);
  return NewRequestId();
}

std::string NewRequestId() {
  // One generator per thread: no lock on the request path, and each seeded from the OS so that
  // replicas and restarts do not repeat ids.
  thread_local std::mt19937_64 generator = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t bits = generator();
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i) {
    id[i] = kHex[bits & 0xF];
    bits >>= 4;
  }
  return id;
}

}  // namespace itaclip::server
