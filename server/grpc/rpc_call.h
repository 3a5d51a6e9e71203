// The shared wrapper of every SegmentationService call (the callback API's reactor): it gives the
// call its request id (x-request-id, echoed in the initial metadata), turns the deadline and the
// client's cancellation into a CancelToken, and on Finish records the metrics, writes the one log
// line of the call and converts the status. It deletes itself when gRPC is done with the call.
#ifndef ITACLIP_SERVER_GRPC_RPC_CALL_H_
#define ITACLIP_SERVER_GRPC_RPC_CALL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "server/scheduling/cancel_token.h"

namespace itaclip::server {

class ServerMetrics;

class RpcCall : public grpc::ServerUnaryReactor {
 public:
  // `metrics` may be null. The call's work stops at the client's deadline or `max_duration` after
  // it arrived, whichever comes first (the server's max_request_seconds).
  RpcCall(grpc::CallbackServerContext* context, const char* method, ServerMetrics* metrics,
          absl::Duration max_duration);

  const std::string& request_id() const { return request_id_; }
  const std::shared_ptr<CancelToken>& cancel() const { return cancel_; }
  absl::Time received() const { return received_; }
  grpc::CallbackServerContext* context() const { return context_; }

  // Ends the call (once). Safe from any thread.
  void Finish(const absl::Status& status);

 protected:
  // Called by Finish for an OK status before the answer leaves: writes the response (see
  // ParsedRpcCall). An error replaces the OK status.
  virtual absl::Status WriteResponse() { return absl::OkStatus(); }

 public:
  void OnCancel() override;
  void OnDone() override;

 private:
  grpc::CallbackServerContext* const context_;
  const char* const method_;
  ServerMetrics* const metrics_;
  const absl::Time received_;
  const std::string request_id_;
  const std::shared_ptr<CancelToken> cancel_;
};

// A call whose request arrives as bytes (the callback API's raw methods), parsed here: gRPC 1.51's
// callback handlers answer a request that Protobuf cannot parse (a string field that is not valid
// UTF-8, above all) with UNIMPLEMENTED and no message, and never reach the service or its metrics.
// Parsing it ourselves gives INVALID_ARGUMENT naming the request, logged and counted as any error.
template <typename Request, typename Response>
class ParsedRpcCall final : public RpcCall {
 public:
  ParsedRpcCall(grpc::CallbackServerContext* context, const char* method, ServerMetrics* metrics,
                absl::Duration max_duration, const grpc::ByteBuffer* request_bytes,
                grpc::ByteBuffer* response_bytes)
      : RpcCall(context, method, metrics, max_duration),
        request_bytes_(request_bytes),
        response_bytes_(response_bytes) {}

  // Parses the request. False when the bytes are not a `Request`: the call is then finished with
  // INVALID_ARGUMENT.
  bool Parse() {
    grpc::ByteBuffer bytes(*request_bytes_);  // shares the slices; Deserialize consumes its input
    if (grpc::SerializationTraits<Request>::Deserialize(&bytes, &request_).ok()) return true;
    Finish(absl::InvalidArgumentError(absl::StrCat(
        "the ", Request::descriptor()->full_name(),
        " could not be parsed: its bytes are not a valid message of that type (a usual cause: a "
        "string field, such as a class name, a description, display_name or vocabulary_id, that "
        "is not valid UTF-8)")));
    return false;
  }

  const Request& request() const { return request_; }
  Response* response() { return &response_; }

 private:
  absl::Status WriteResponse() override {
    bool own_buffer = false;
    const grpc::Status status =
        grpc::SerializationTraits<Response>::Serialize(response_, response_bytes_, &own_buffer);
    if (status.ok()) return absl::OkStatus();
    return absl::InternalError(
        absl::StrCat("the answer could not be serialised: ", status.error_message()));
  }

  const grpc::ByteBuffer* const request_bytes_;
  grpc::ByteBuffer* const response_bytes_;
  Request request_;
  Response response_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_GRPC_RPC_CALL_H_
