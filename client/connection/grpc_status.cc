#include "client/connection/grpc_status.h"

#include "absl/strings/str_cat.h"

namespace itaclip::client {

std::string GrpcCodeName(grpc::StatusCode code) {
  // absl::StatusCode has the same numbers and names as grpc::StatusCode (both follow
  // google.rpc.Code); StatusCodeToString gives "" for numbers it does not know.
  std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  if (name.empty()) name = absl::StrCat("CODE_", static_cast<int>(code));
  return name;
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  const std::string name = GrpcCodeName(status.error_code());
  const int code = static_cast<int>(status.error_code());
  // A number outside google.rpc.Code is still a failure: report it as UNKNOWN.
  const absl::StatusCode absl_code =
      (code > 0 && code <= 16) ? static_cast<absl::StatusCode>(code) : absl::StatusCode::kUnknown;
  return absl::Status(absl_code, status.error_message().empty()
                                     ? name
                                     : absl::StrCat(name, ": ", status.error_message()));
}

}  // namespace itaclip::client
