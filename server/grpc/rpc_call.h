// A SegmentationService call on gRPC's callback API (the reactor), as an ApiCall: it gives the call
// its request id (x-request-id, echoed in the initial metadata), turns the deadline and the
// client's cancellation into the call's CancelToken, parses the request bytes itself and, once the
// API finishes the call, serialises the response and finishes the reactor. It deletes itself when
// gRPC is done with the call.
#ifndef ITACLIP_SERVER_GRPC_RPC_CALL_H_
#define ITACLIP_SERVER_GRPC_RPC_CALL_H_

#include <grpcpp/grpcpp.h>

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/api/api_call.h"
#include "server/grpc/status_conversion.h"

namespace itaclip::server {

// What a gRPC call is when it arrives. The call's work stops at the client's deadline or
// `max_duration` after it arrived, whichever comes first (the server's max_request_seconds).
CallContext GrpcCallContext(grpc::CallbackServerContext* context, const char* method,
                            ServerMetrics* metrics, absl::Duration max_duration);

// The call's `authorization` metadata, nullopt when it has none.
std::optional<absl::string_view> AuthorizationMetadata(const grpc::CallbackServerContext& context);

// gRPC's OnCancel, which comes both for a client's cancel and for an expired deadline.
void CancelOnGrpcCancel(CancelToken& token);

// The request arrives as bytes (the callback API's raw methods) and is parsed here: gRPC 1.51's
// callback handlers answer a request that Protobuf cannot parse (a string field that is not valid
// UTF-8, above all) with UNIMPLEMENTED and no message, and never reach the service or its metrics.
// Parsing it ourselves gives INVALID_ARGUMENT naming the request, logged and counted as any error.
template <typename Request, typename Response>
class ParsedRpcCall final : public grpc::ServerUnaryReactor, public UnaryCall<Request, Response> {
 public:
  ParsedRpcCall(grpc::CallbackServerContext* context, const char* method, ServerMetrics* metrics,
                absl::Duration max_duration, const grpc::ByteBuffer* request_bytes,
                grpc::ByteBuffer* response_bytes)
      : UnaryCall<Request, Response>(GrpcCallContext(context, method, metrics, max_duration)),
        context_(context),
        request_bytes_(request_bytes),
        response_bytes_(response_bytes) {}

  using UnaryCall<Request, Response>::Finish;  // the API's, not the reactor's

  grpc::CallbackServerContext* context() const { return context_; }

  // Parses the request. False when the bytes are not a `Request`: the call is then finished with
  // INVALID_ARGUMENT.
  bool Parse() {
    grpc::ByteBuffer bytes(*request_bytes_);  // shares the slices; Deserialize consumes its input
    if (grpc::SerializationTraits<Request>::Deserialize(&bytes, this->mutable_request()).ok()) {
      return true;
    }
    this->Finish(absl::InvalidArgumentError(absl::StrCat(
        "the ", Request::descriptor()->full_name(),
        " could not be parsed: its bytes are not a valid message of that type (a usual cause: a "
        "string field, such as a class name, a description, display_name or vocabulary_id, that "
        "is not valid UTF-8)")));
    return false;
  }

  void OnCancel() override { CancelOnGrpcCancel(*this->cancel()); }
  void OnDone() override { delete this; }

 private:
  absl::Status WriteResponse() override {
    bool own_buffer = false;
    const grpc::Status status = grpc::SerializationTraits<Response>::Serialize(
        this->written_response(), response_bytes_, &own_buffer);
    if (status.ok()) return absl::OkStatus();
    return absl::InternalError(
        absl::StrCat("the answer could not be serialised: ", status.error_message()));
  }
  void Deliver(const absl::Status& status) override {
    grpc::ServerUnaryReactor::Finish(ToGrpcStatus(status));
  }

  grpc::CallbackServerContext* const context_;
  const grpc::ByteBuffer* const request_bytes_;
  grpc::ByteBuffer* const response_bytes_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_GRPC_RPC_CALL_H_
