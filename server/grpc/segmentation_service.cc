#include "server/grpc/segmentation_service.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "server/grpc/request_validation.h"
#include "server/grpc/rpc_call.h"
#include "server/vocabulary/vocabulary_definition.h"

namespace itaclip::server {

SegmentationService::SegmentationService(Limits limits, std::string default_preset,
                                         BearerTokenAuth auth, ServerMetrics* metrics)
    : limits_(limits),
      default_preset_(std::move(default_preset)),
      auth_(std::move(auth)),
      metrics_(metrics) {}

void SegmentationService::SetServing(const ServingParts* parts) {
  parts_.store(parts, std::memory_order_release);
}

void SegmentationService::StopServing() { draining_.store(true, std::memory_order_release); }

const ServingParts* SegmentationService::BeginCall(RpcCall* call) {
  if (absl::Status status = auth_.Check(call->context()->client_metadata()); !status.ok()) {
    call->Finish(status);
    return nullptr;
  }
  if (draining_.load(std::memory_order_acquire)) {
    call->Finish(absl::UnavailableError("the server is shutting down and takes no new calls"));
    return nullptr;
  }
  const ServingParts* parts = parts_.load(std::memory_order_acquire);
  if (parts == nullptr) {
    call->Finish(absl::UnavailableError("the server is still loading the model; retry shortly"));
    return nullptr;
  }
  return parts;
}

grpc::ServerUnaryReactor* SegmentationService::RegisterClasses(
    grpc::CallbackServerContext* context, const v1::RegisterClassesRequest* request,
    v1::RegisterClassesResponse* response) {
  auto* call = new RpcCall(context, "RegisterClasses", metrics_);
  const ServingParts* parts = BeginCall(call);
  if (parts == nullptr) return call;
  if (absl::Status status = ValidateVocabularyDefinition(request->vocabulary(), limits_);
      !status.ok()) {
    call->Finish(status);
    return call;
  }
  absl::StatusOr<std::unique_ptr<AdmissionTicket>> ticket = parts->admission->TryAdmit();
  if (!ticket.ok()) {
    call->Finish(ticket.status());
    return call;
  }
  // Building embeddings runs the text tower: a worker's job, not the gRPC thread's.
  std::shared_ptr<AdmissionTicket> held(std::move(*ticket));
  parts->workers->Submit([call, request, response, parts, held]() mutable {
    absl::Status status = call->cancel()->Check("building the text embeddings");
    if (status.ok()) {
      absl::StatusOr<VocabularyRegistry::Registration> registration =
          parts->registry->Register(request->vocabulary(), request->display_name());
      if (registration.ok()) {
        response->set_vocabulary_id(registration->id);
        response->set_already_registered(registration->already_registered);
        response->set_num_classes(registration->num_classes);
        response->set_num_queries(registration->num_queries);
        response->set_build_ms(registration->build_ms);
      }
      status = registration.status();
    }
    held.reset();  // free the place before answering (see SegmentExecutor::Complete)
    call->Finish(status);
  });
  return call;
}

grpc::ServerUnaryReactor* SegmentationService::Segment(grpc::CallbackServerContext* context,
                                                       const v1::SegmentRequest* request,
                                                       v1::SegmentResponse* response) {
  auto* call = new RpcCall(context, "Segment", metrics_);
  const ServingParts* parts = BeginCall(call);
  if (parts == nullptr) return call;
  if (absl::Status status = ValidateSegmentRequest(*request, limits_); !status.ok()) {
    call->Finish(status);
    return call;
  }
  absl::StatusOr<pipeline::PipelineParams> params =
      ResolvePipelineParams(*request, parts->presets, default_preset_);
  if (!params.ok()) {
    call->Finish(params.status());
    return call;
  }
  if (request->has_vocabulary_id()) {
    // An unknown id is answered now (NOT_FOUND) rather than after waiting in the queue.
    if (absl::Status known = parts->registry->CheckSegmentable(request->vocabulary_id());
        !known.ok()) {
      call->Finish(known);
      return call;
    }
  }
  absl::StatusOr<std::unique_ptr<AdmissionTicket>> ticket = parts->admission->TryAdmit();
  if (!ticket.ok()) {
    call->Finish(ticket.status());
    return call;
  }
  SegmentCall segment_call;
  segment_call.request = request;
  segment_call.vocabulary_id = request->has_vocabulary_id() ? request->vocabulary_id() : "";
  segment_call.params = *std::move(params);
  segment_call.cancel = call->cancel();
  segment_call.received = call->received();
  parts->executor->Start(std::move(segment_call), *std::move(ticket),
                         [call, response](absl::StatusOr<v1::SegmentResponse> result) {
                           if (result.ok()) {
                             *response = *std::move(result);
                             response->set_request_id(call->request_id());
                           }
                           call->Finish(result.status());
                         });
  return call;
}

void SegmentationService::FillVocabularyInfo(const ServingParts& parts,
                                             const v1::StoredVocabulary& record,
                                             bool with_definition, v1::VocabularyInfo* info) const {
  info->set_id(record.id());
  info->set_display_name(record.display_name());
  if (with_definition) *info->mutable_definition() = record.definition();
  info->set_num_classes(record.definition().classes_size());
  info->set_num_queries(CountQueries(record.definition()));
  info->set_resident(parts.registry->IsResident(record.id()));
  info->set_resident_bytes(parts.registry->ResidentBytes(record.id()));
  info->set_created_unix_ms(record.created_unix_ms());
}

grpc::ServerUnaryReactor* SegmentationService::GetVocabulary(
    grpc::CallbackServerContext* context, const v1::GetVocabularyRequest* request,
    v1::VocabularyInfo* response) {
  auto* call = new RpcCall(context, "GetVocabulary", metrics_);
  const ServingParts* parts = BeginCall(call);
  if (parts == nullptr) return call;
  absl::StatusOr<v1::StoredVocabulary> record = parts->registry->Get(request->vocabulary_id());
  if (record.ok()) FillVocabularyInfo(*parts, *record, /*with_definition=*/true, response);
  call->Finish(record.status());
  return call;
}

grpc::ServerUnaryReactor* SegmentationService::ListVocabularies(
    grpc::CallbackServerContext* context, const v1::ListVocabulariesRequest* request,
    v1::ListVocabulariesResponse* response) {
  auto* call = new RpcCall(context, "ListVocabularies", metrics_);
  const ServingParts* parts = BeginCall(call);
  if (parts == nullptr) return call;
  absl::StatusOr<std::vector<v1::StoredVocabulary>> records = parts->registry->List();
  if (records.ok()) {
    for (const v1::StoredVocabulary& record : *records) {
      FillVocabularyInfo(*parts, record, request->include_definitions(),
                         response->add_vocabularies());
    }
  }
  call->Finish(records.status());
  return call;
}

grpc::ServerUnaryReactor* SegmentationService::DeleteVocabulary(
    grpc::CallbackServerContext* context, const v1::DeleteVocabularyRequest* request,
    v1::DeleteVocabularyResponse* /*response*/) {
  auto* call = new RpcCall(context, "DeleteVocabulary", metrics_);
  const ServingParts* parts = BeginCall(call);
  if (parts == nullptr) return call;
  call->Finish(parts->registry->Delete(request->vocabulary_id()));
  return call;
}

grpc::ServerUnaryReactor* SegmentationService::GetServerInfo(
    grpc::CallbackServerContext* context, const v1::GetServerInfoRequest* /*request*/,
    v1::ServerInfo* response) {
  auto* call = new RpcCall(context, "GetServerInfo", metrics_);
  const ServingParts* parts = BeginCall(call);
  if (parts == nullptr) return call;
  *response = parts->info;
  call->Finish(absl::OkStatus());
  return call;
}

}  // namespace itaclip::server
