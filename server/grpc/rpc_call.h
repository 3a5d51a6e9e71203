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
#include "absl/time/time.h"
#include "server/scheduling/cancel_token.h"

namespace itaclip::server {

class ServerMetrics;

class RpcCall : public grpc::ServerUnaryReactor {
 public:
  // `metrics` may be null.
  RpcCall(grpc::CallbackServerContext* context, const char* method, ServerMetrics* metrics);

  const std::string& request_id() const { return request_id_; }
  const std::shared_ptr<CancelToken>& cancel() const { return cancel_; }
  absl::Time received() const { return received_; }
  grpc::CallbackServerContext* context() const { return context_; }

  // Ends the call (once). Safe from any thread.
  void Finish(const absl::Status& status);

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

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_GRPC_RPC_CALL_H_
