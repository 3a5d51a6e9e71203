// The evaluation's segmenter through itaclip-server: the vocabulary is registered once, then each
// image is sent as its encoded file bytes with the vocabulary's id, the preset and the overrides,
// exactly as a deployment's clients would send it.
#ifndef ITACLIP_CLIENT_EVAL_REMOTE_SEGMENTER_H_
#define ITACLIP_CLIENT_EVAL_REMOTE_SEGMENTER_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/connection/channel_factory.h"
#include "client/eval/eval_segmenter.h"
#include "itaclip/v1/segmentation_service.grpc.pb.h"
#include "itaclip/v1/vocabulary.pb.h"

namespace itaclip::client {

// What the server says about itself and the vocabulary, for the cache key and the report.
struct RemoteSession {
  v1::ServerInfo server_info;
  std::string vocabulary_id;
  int num_classes = 0;
  std::vector<std::string> class_names;  // as the server names them (each class's first name)
  bool background_first = false;
};

// Thread-safe: each Segment makes its own call on the shared channel.
class RemoteSegmenter : public EvalSegmenter {
 public:
  // Asks GetServerInfo, checks that the server has `preset` (NOT_FOUND listing its presets
  // otherwise; an empty preset means the server's default), and registers `vocabulary` (or, when
  // `vocabulary_id` is not empty, looks that registered vocabulary up instead). The calls' gRPC
  // errors, named ("UNAVAILABLE: ...").
  static absl::StatusOr<std::unique_ptr<RemoteSegmenter>> Connect(
      ChannelFactory channels, const v1::VocabularyDefinition& vocabulary,
      const std::string& vocabulary_id, std::string preset,
      std::map<std::string, std::string> overrides);

  const RemoteSession& session() const { return session_; }

  // Reads the image file and asks the server (raw labels, no scores); INVALID_ARGUMENT when the
  // answer's label map is malformed or names a class beyond the vocabulary.
  absl::StatusOr<cv::Mat> Segment(const EvalSample& sample) override;
  bool thread_safe() const override { return true; }

 private:
  RemoteSegmenter(ChannelFactory channels, RemoteSession session, std::string preset,
                  std::map<std::string, std::string> overrides);

  ChannelFactory channels_;
  std::unique_ptr<v1::SegmentationService::Stub> stub_;
  RemoteSession session_;
  std::string preset_;
  std::map<std::string, std::string> overrides_;
};

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_EVAL_REMOTE_SEGMENTER_H_
