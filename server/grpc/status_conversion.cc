#include "server/grpc/status_conversion.h"

#include <string>

namespace itaclip::server {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  std::string message(status.message());
  if (message.size() > kMaxStatusMessageBytes) {
    // Cut at a character boundary: messages quote client text, and a split UTF-8 sequence would
    // make the trailer invalid UTF-8 for clients that decode it strictly.
    size_t cut = kMaxStatusMessageBytes - 3;
    while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
    message.resize(cut);
    message += "...";
  }
  // absl::StatusCode and grpc::StatusCode share their numbering (both follow google.rpc.Code).
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message);
}

}  // namespace itaclip::server
