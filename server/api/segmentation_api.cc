#include "server/api/segmentation_api.h"

#include <utility>

#include "absl/status/status.h"
#include "core/common/status_macros.h"
#include "server/api/request_validation.h"
#include "server/api/segment_conversion.h"
#include "server/scheduling/request_memory.h"
#include "server/vocabulary/vocabulary_definition.h"
#include "server/vocabulary/vocabulary_id.h"
#include "server/vocabulary/vocabulary_proto.h"

namespace itaclip::server {

SegmentationApi::SegmentationApi(Limits limits, std::string default_preset)
    : limits_(limits), default_preset_(std::move(default_preset)) {}

void SegmentationApi::SetServing(const ServingParts* parts) {
  parts_.store(parts, std::memory_order_release);
}

void SegmentationApi::StopServing() { draining_.store(true, std::memory_order_release); }

bool SegmentationApi::serving() const {
  return parts_.load(std::memory_order_acquire) != nullptr &&
         !draining_.load(std::memory_order_acquire);
}

absl::StatusOr<const ServingParts*> SegmentationApi::Serving() const {
  if (draining_.load(std::memory_order_acquire)) {
    return absl::UnavailableError("the server is shutting down and takes no new calls");
  }
  const ServingParts* parts = parts_.load(std::memory_order_acquire);
  if (parts == nullptr) {
    return absl::UnavailableError("the server is still loading the model; retry shortly");
  }
  return parts;
}

const ServingParts* SegmentationApi::CheckServing(ApiCall* call) const {
  absl::StatusOr<const ServingParts*> parts = Serving();
  if (!parts.ok()) {
    call->Finish(parts.status());
    return nullptr;
  }
  return *parts;
}

void SegmentationApi::RegisterClasses(
    UnaryCall<v1::RegisterClassesRequest, v1::RegisterClassesResponse>* call) {
  const ServingParts* parts = CheckServing(call);
  if (parts == nullptr) return;
  std::shared_ptr<const Vocabulary> vocabulary;
  absl::StatusOr<std::unique_ptr<AdmissionTicket>> admitted =
      [&]() -> absl::StatusOr<std::unique_ptr<AdmissionTicket>> {
    ASSIGN_OR_RETURN(Vocabulary validated, ValidateRegisterRequest(call->request(), limits_));
    vocabulary = std::make_shared<const Vocabulary>(std::move(validated));
    // The text build counts against the same memory limits as a segmentation.
    RequestCost cost;
    cost.peak_bytes = VocabularyBuildBytes(*parts, VocabularyId(*vocabulary), SizeOf(*vocabulary));
    RETURN_IF_ERROR(CheckRequestCost(cost, limits_));
    return parts->admission->TryAdmit(cost.peak_bytes);
  }();
  if (!admitted.ok()) {
    call->Finish(admitted.status());
    return;
  }
  // Building embeddings runs the text tower: a registration thread's job (its batches run on the
  // device thread), not the transport's thread nor a worker's. They are
  // built for the server's default preset when the vocabulary leaves its weight to the preset (a
  // Segment with another preset builds its own on first use).
  const double unset_weight = parts->presets.at(default_preset_).def_coefficient;
  std::shared_ptr<AdmissionTicket> held(*std::move(admitted));
  parts->registrations->Submit([call, parts, held, vocabulary, unset_weight]() mutable {
    const absl::Status status = RunRegistration(*parts, *call, *vocabulary, unset_weight);
    held.reset();  // free the place before answering (see SegmentExecutor::Complete)
    call->Finish(status);
  });
}

absl::Status SegmentationApi::RunRegistration(
    const ServingParts& parts,
    UnaryCall<v1::RegisterClassesRequest, v1::RegisterClassesResponse>& call,
    const Vocabulary& vocabulary, double unset_weight) {
  RETURN_IF_ERROR(call.cancel()->Check("building the text embeddings"));
  ASSIGN_OR_RETURN(const VocabularyRegistry::Registration registration,
                   parts.registry->Register(vocabulary, call.request().display_name(), unset_weight,
                                            call.cancel()->Checker("the next batch of prompts")));
  v1::RegisterClassesResponse& response = *call.response();
  response.set_vocabulary_id(registration.id);
  response.set_already_registered(registration.already_registered);
  response.set_num_classes(registration.num_classes);
  response.set_num_queries(registration.num_queries);
  response.set_build_ms(registration.build_ms);
  return absl::OkStatus();
}

void SegmentationApi::Segment(UnaryCall<v1::SegmentRequest, v1::SegmentResponse>* call) {
  const ServingParts* parts = CheckServing(call);
  if (parts == nullptr) return;
  // The request's own checks need no I/O and run here; the vocabulary check of an id reads the
  // store, so it and what follows run on a store thread.
  auto checked = std::make_shared<CheckedSegment>();
  if (absl::Status status = CheckSegmentRequest(*parts, call->request(), *checked); !status.ok()) {
    call->Finish(status);
    return;
  }
  auto admit_and_start = [this, call, parts, checked] {
    SegmentCall segment_call;
    absl::StatusOr<std::unique_ptr<AdmissionTicket>> ticket =
        AdmitSegment(*parts, call->request(), *call, std::move(*checked), segment_call);
    if (!ticket.ok()) {
      call->Finish(ticket.status());
      return;
    }
    parts->executor->Start(std::move(segment_call), *std::move(ticket),
                           [call](absl::StatusOr<SegmentResult> result) -> SendAnswer {
                             // On the worker that finished the image: the encoding runs there,
                             // while the call still holds its admission place.
                             absl::StatusOr<v1::SegmentResponse> response =
                                 result.ok()
                                     ? SegmentResponseFrom(*std::move(result), call->request())
                                     : absl::StatusOr<v1::SegmentResponse>(result.status());
                             if (response.ok()) {
                               *call->response() = *std::move(response);
                               call->response()->set_request_id(call->request_id());
                             }
                             return [call, status = response.status()] { call->Finish(status); };
                           });
  };
  if (call->request().has_vocabulary_id()) {
    parts->store_io->Submit(std::move(admit_and_start));
  } else {
    admit_and_start();
  }
}

absl::Status SegmentationApi::CheckSegmentRequest(const ServingParts& parts,
                                                  const v1::SegmentRequest& request,
                                                  CheckedSegment& checked) const {
  ASSIGN_OR_RETURN(checked.request, ValidateSegmentRequest(request, limits_));
  ASSIGN_OR_RETURN(checked.params,
                   ResolvePipelineParams(request, parts.presets, default_preset_, limits_));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<AdmissionTicket>> SegmentationApi::AdmitSegment(
    const ServingParts& parts, const v1::SegmentRequest& request, const ApiCall& call,
    CheckedSegment checked, SegmentCall& segment_call) const {
  RETURN_IF_ERROR(call.cancel()->Check("checking the vocabulary"));
  VocabularySize vocabulary;
  std::string id;
  if (request.has_vocabulary_id()) {
    // An unknown id is answered now (NOT_FOUND) rather than after waiting in the queue.
    id = request.vocabulary_id();
    ASSIGN_OR_RETURN(vocabulary, parts.registry->CheckSegmentable(id));
  } else {
    id = VocabularyId(*checked.request.inline_vocabulary);
    vocabulary = SizeOf(*checked.request.inline_vocabulary);
  }
  RequestShape shape;
  shape.vocabulary_build_bytes = VocabularyBuildBytes(parts, id, vocabulary);
  shape.width = checked.request.image.width;
  shape.height = checked.request.image.height;
  shape.num_classes = vocabulary.num_classes;
  shape.num_queries = vocabulary.num_queries;
  shape.want_scores = request.score_format() != v1::SCORE_FORMAT_NONE;
  const RequestCost cost = EstimateRequestCost(shape, checked.params, parts.model_config);
  RETURN_IF_ERROR(CheckRequestCost(cost, limits_));
  ASSIGN_OR_RETURN(std::unique_ptr<AdmissionTicket> ticket,
                   parts.admission->TryAdmit(cost.peak_bytes));
  segment_call =
      SegmentCallFrom(request, std::move(checked.request), std::move(checked.params), limits_);
  segment_call.cancel = call.cancel();
  segment_call.received = call.received();
  return ticket;
}

int64_t SegmentationApi::VocabularyBuildBytes(const ServingParts& parts, const std::string& id,
                                              const VocabularySize& size) {
  if (parts.registry->IsResident(id)) return 0;
  TextBuildShape shape;
  shape.num_strings = int64_t{size.num_queries} + size.num_descriptions;
  shape.num_templates = parts.num_templates;
  shape.text_batch = parts.text_batch;
  return EstimateTextBuildBytes(shape, parts.model_config);
}

void SegmentationApi::OnStoreThread(const ServingParts& parts, ApiCall* call,
                                    std::function<absl::Status()> work) {
  parts.store_io->Submit([call, work = std::move(work)] {
    absl::Status status = call->cancel()->Check("reading the vocabulary store");
    if (status.ok()) status = work();
    call->Finish(status);
  });
}

void SegmentationApi::FillVocabularyInfo(const ServingParts& parts, const VocabularyRecord& record,
                                         bool with_definition, v1::VocabularyInfo* info) {
  info->set_id(record.id);
  info->set_display_name(record.display_name);
  if (with_definition) *info->mutable_definition() = VocabularyToProto(record.definition);
  const VocabularySize size = SizeOf(record.definition);
  info->set_num_classes(size.num_classes);
  info->set_num_queries(size.num_queries);
  info->set_resident(parts.registry->IsResident(record.id));
  info->set_resident_bytes(parts.registry->ResidentBytes(record.id));
  info->set_created_unix_ms(record.created_unix_ms);
}

void SegmentationApi::GetVocabulary(UnaryCall<v1::GetVocabularyRequest, v1::VocabularyInfo>* call) {
  const ServingParts* parts = CheckServing(call);
  if (parts == nullptr) return;
  OnStoreThread(*parts, call, [call, parts]() -> absl::Status {
    ASSIGN_OR_RETURN(const VocabularyRecord record,
                     parts->registry->Get(call->request().vocabulary_id()));
    FillVocabularyInfo(*parts, record, /*with_definition=*/true, call->response());
    return absl::OkStatus();
  });
}

void SegmentationApi::ListVocabularies(
    UnaryCall<v1::ListVocabulariesRequest, v1::ListVocabulariesResponse>* call) {
  const ServingParts* parts = CheckServing(call);
  if (parts == nullptr) return;
  OnStoreThread(*parts, call, [call, parts]() -> absl::Status {
    ASSIGN_OR_RETURN(const std::vector<VocabularyRecord> records, parts->registry->List());
    for (const VocabularyRecord& record : records) {
      FillVocabularyInfo(*parts, record, call->request().include_definitions(),
                         call->response()->add_vocabularies());
    }
    return absl::OkStatus();
  });
}

void SegmentationApi::DeleteVocabulary(
    UnaryCall<v1::DeleteVocabularyRequest, v1::DeleteVocabularyResponse>* call) {
  const ServingParts* parts = CheckServing(call);
  if (parts == nullptr) return;
  OnStoreThread(*parts, call,
                [call, parts] { return parts->registry->Delete(call->request().vocabulary_id()); });
}

void SegmentationApi::GetServerInfo(UnaryCall<v1::GetServerInfoRequest, v1::ServerInfo>* call) {
  const ServingParts* parts = CheckServing(call);
  if (parts == nullptr) return;
  *call->response() = parts->info;
  call->Finish(absl::OkStatus());
}

}  // namespace itaclip::server
