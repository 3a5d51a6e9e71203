#include "client/commands/vocabulary_commands.h"

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/commands/vocabulary_input.h"
#include "client/connection/channel_factory.h"
#include "client/connection/grpc_status.h"
#include "core/common/status_macros.h"

namespace itaclip::client {
namespace {

// One line per field and one field per column: a tab or line break inside a text would break both.
std::string OneLine(const std::string& text) {
  std::string line = text;
  for (char& c : line) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

absl::StatusOr<std::string> RequireVocabularyId(const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("--vocabulary ID is required");
  return id;
}

void PrintVocabulary(const v1::VocabularyInfo& info, bool with_definition) {
  std::printf("%s\n", FormatVocabularyLine(info).c_str());
  if (!with_definition) return;
  for (int i = 0; i < info.definition().classes_size(); ++i) {
    std::printf("%s\n", FormatClassLine(i, info.definition().classes(i)).c_str());
  }
}

}  // namespace

std::string VocabularyHeaderLine() { return "id\tdisplay_name\tclasses\tqueries\tresident"; }

std::string FormatVocabularyLine(const v1::VocabularyInfo& info) {
  return absl::StrCat(info.id(), "\t", OneLine(info.display_name()), "\t", info.num_classes(), "\t",
                      info.num_queries(), "\t", info.resident() ? "yes" : "no");
}

std::string FormatClassLine(int label, const v1::ClassDefinition& definition) {
  std::string line =
      absl::StrCat("\t", label, ": ", OneLine(absl::StrJoin(definition.names(), ", ")));
  if (!definition.description().empty()) {
    absl::StrAppend(&line, "\t>= ", OneLine(definition.description()));
  }
  return line;
}

absl::Status RunRegisterCommand(const RegisterOptions& options) {
  v1::RegisterClassesRequest request;
  ASSIGN_OR_RETURN(*request.mutable_vocabulary(), VocabularyDefinitionFrom(options.vocabulary));
  request.set_display_name(options.display_name);

  ASSIGN_OR_RETURN(ChannelFactory channels, ChannelFactory::Connect(options.connection));
  std::unique_ptr<v1::SegmentationService::Stub> stub = channels.NewSegmentationStub();
  std::unique_ptr<grpc::ClientContext> context = channels.NewCallContext();
  v1::RegisterClassesResponse response;
  RETURN_IF_ERROR(FromGrpcStatus(stub->RegisterClasses(context.get(), request, &response)));

  std::printf("%s\n", response.vocabulary_id().c_str());
  if (!options.quiet) {
    std::fprintf(stderr, "%s %s: %d classes, %d queries, embeddings built in %.1f ms\n",
                 response.already_registered() ? "already registered" : "registered",
                 response.vocabulary_id().c_str(), response.num_classes(), response.num_queries(),
                 response.build_ms());
  }
  return absl::OkStatus();
}

absl::Status RunListCommand(const ListOptions& options) {
  const bool with_definitions = options.definitions;
  ASSIGN_OR_RETURN(ChannelFactory channels, ChannelFactory::Connect(options.connection));
  std::unique_ptr<v1::SegmentationService::Stub> stub = channels.NewSegmentationStub();
  std::unique_ptr<grpc::ClientContext> context = channels.NewCallContext();

  const std::string& id = options.vocabulary_id;
  if (!id.empty()) {
    v1::GetVocabularyRequest request;
    request.set_vocabulary_id(id);
    v1::VocabularyInfo info;
    RETURN_IF_ERROR(FromGrpcStatus(stub->GetVocabulary(context.get(), request, &info)));
    std::printf("%s\n", VocabularyHeaderLine().c_str());
    PrintVocabulary(info, with_definitions);
    return absl::OkStatus();
  }
  v1::ListVocabulariesRequest request;
  request.set_include_definitions(with_definitions);
  v1::ListVocabulariesResponse response;
  RETURN_IF_ERROR(FromGrpcStatus(stub->ListVocabularies(context.get(), request, &response)));
  std::printf("%s\n", VocabularyHeaderLine().c_str());
  for (const v1::VocabularyInfo& info : response.vocabularies()) {
    PrintVocabulary(info, with_definitions);
  }
  return absl::OkStatus();
}

absl::Status RunDeleteCommand(const DeleteOptions& options) {
  v1::DeleteVocabularyRequest request;
  ASSIGN_OR_RETURN(*request.mutable_vocabulary_id(), RequireVocabularyId(options.vocabulary_id));
  ASSIGN_OR_RETURN(ChannelFactory channels, ChannelFactory::Connect(options.connection));
  std::unique_ptr<v1::SegmentationService::Stub> stub = channels.NewSegmentationStub();
  std::unique_ptr<grpc::ClientContext> context = channels.NewCallContext();
  v1::DeleteVocabularyResponse response;
  RETURN_IF_ERROR(FromGrpcStatus(stub->DeleteVocabulary(context.get(), request, &response)));
  if (!options.quiet) {
    std::fprintf(stderr, "deleted %s\n", request.vocabulary_id().c_str());
  }
  return absl::OkStatus();
}

}  // namespace itaclip::client
