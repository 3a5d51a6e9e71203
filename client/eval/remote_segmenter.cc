#include "client/eval/remote_segmenter.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/connection/grpc_status.h"
#include "client/input/read_file.h"
#include "client/output/decode_label_map.h"
#include "core/common/status_macros.h"

namespace itaclip::client {

RemoteSegmenter::RemoteSegmenter(ChannelFactory channels, RemoteSession session, std::string preset,
                                 std::map<std::string, std::string> overrides)
    : channels_(std::move(channels)),
      stub_(channels_.NewSegmentationStub()),
      session_(std::move(session)),
      preset_(std::move(preset)),
      overrides_(std::move(overrides)) {}

absl::StatusOr<std::unique_ptr<RemoteSegmenter>> RemoteSegmenter::Connect(
    ChannelFactory channels, const v1::VocabularyDefinition& vocabulary,
    const std::string& vocabulary_id, std::string preset,
    std::map<std::string, std::string> overrides) {
  std::unique_ptr<v1::SegmentationService::Stub> stub = channels.NewSegmentationStub();
  RemoteSession session;
  {
    std::unique_ptr<grpc::ClientContext> context = channels.NewCallContext();
    RETURN_IF_ERROR(FromGrpcStatus(
        stub->GetServerInfo(context.get(), v1::GetServerInfoRequest(), &session.server_info)));
  }
  const auto& presets = session.server_info.presets();
  if (!preset.empty() && std::find(presets.begin(), presets.end(), preset) == presets.end()) {
    return absl::NotFoundError(absl::StrCat("the server at ", channels.target(),
                                            " has no preset \"", preset,
                                            "\"; it has: ", absl::StrJoin(presets, ", ")));
  }

  v1::VocabularyDefinition definition;
  if (vocabulary_id.empty()) {
    v1::RegisterClassesRequest request;
    *request.mutable_vocabulary() = vocabulary;
    request.set_display_name("itaclip eval");
    v1::RegisterClassesResponse response;
    std::unique_ptr<grpc::ClientContext> context = channels.NewCallContext();
    RETURN_IF_ERROR(FromGrpcStatus(stub->RegisterClasses(context.get(), request, &response)));
    session.vocabulary_id = response.vocabulary_id();
    definition = vocabulary;
  } else {
    v1::GetVocabularyRequest request;
    request.set_vocabulary_id(vocabulary_id);
    v1::VocabularyInfo info;
    std::unique_ptr<grpc::ClientContext> context = channels.NewCallContext();
    RETURN_IF_ERROR(FromGrpcStatus(stub->GetVocabulary(context.get(), request, &info)));
    session.vocabulary_id = info.id();
    definition = info.definition();
  }
  session.num_classes = definition.classes_size();
  session.background_first = definition.background_first();
  for (const v1::ClassDefinition& c : definition.classes()) {
    session.class_names.push_back(c.names_size() > 0 ? c.names(0) : std::string());
  }
  if (session.num_classes == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("the vocabulary ", session.vocabulary_id, " has no classes"));
  }
  return std::unique_ptr<RemoteSegmenter>(new RemoteSegmenter(
      std::move(channels), std::move(session), std::move(preset), std::move(overrides)));
}

absl::StatusOr<cv::Mat> RemoteSegmenter::Segment(const EvalSample& sample) {
  v1::SegmentRequest request;
  ASSIGN_OR_RETURN(*request.mutable_encoded_image(), ReadFileToString(sample.image_path, "image"));
  request.set_vocabulary_id(session_.vocabulary_id);
  request.set_preset(preset_);
  for (const auto& [key, value] : overrides_) (*request.mutable_overrides())[key] = value;
  // Raw bytes: no PNG encoding on the server, no decoding here.
  request.set_label_format(v1::LABEL_FORMAT_RAW);
  v1::SegmentResponse response;
  std::unique_ptr<grpc::ClientContext> context = channels_.NewCallContext();
  RETURN_IF_ERROR(FromGrpcStatus(stub_->Segment(context.get(), request, &response)));
  ASSIGN_OR_RETURN(cv::Mat labels, DecodeLabelMap(response.labels()));
  RETURN_IF_ERROR(CheckLabelsBelow(labels, static_cast<size_t>(session_.num_classes)));
  return labels;
}

}  // namespace itaclip::client
