// `itaclip register`, `itaclip list` and `itaclip delete`: manage the server's vocabularies.
#ifndef ITACLIP_CLIENT_COMMANDS_VOCABULARY_COMMANDS_H_
#define ITACLIP_CLIENT_COMMANDS_VOCABULARY_COMMANDS_H_

#include <string>

#include "absl/status/status.h"
#include "client/commands/vocabulary_input.h"
#include "client/connection/channel_factory.h"
#include "itaclip/v1/segmentation_service.pb.h"

namespace itaclip::client {

struct RegisterOptions {
  ConnectionSettings connection;
  VocabularyOptions vocabulary;
  std::string display_name;  // --display_name
  bool quiet = false;        // --quiet: no counts on stderr
};

struct ListOptions {
  ConnectionSettings connection;
  bool definitions = false;   // --definitions: also each vocabulary's classes
  std::string vocabulary_id;  // --vocabulary: only this one
};

struct DeleteOptions {
  ConnectionSettings connection;
  std::string vocabulary_id;  // --vocabulary (required)
  bool quiet = false;         // --quiet
};

// `register --classes FILE | --class_names LIST [--descriptions FILE] [--background_first]
// [--description_weight W] [--display_name NAME]`: prints the vocabulary id alone on stdout (for
// scripts) and the class and query counts and the build time on stderr.
absl::Status RunRegisterCommand(const RegisterOptions& options);

// `list [--definitions] [--vocabulary ID]`: one tab-separated line per vocabulary on stdout (id,
// display name, classes, queries, resident) under a header line; with --definitions each is
// followed by its classes, one indented line each. With --vocabulary, only that one (NOT_FOUND if
// unknown).
absl::Status RunListCommand(const ListOptions& options);

// `delete --vocabulary ID`: deletes it; prints nothing on stdout.
absl::Status RunDeleteCommand(const DeleteOptions& options);

// The line `list` prints for `info`: id, display name, classes, queries and "yes"/"no" for
// resident, separated by tabs (tabs and line breaks inside the display name become spaces).
std::string FormatVocabularyLine(const v1::VocabularyInfo& info);

// The header line over FormatVocabularyLine's lines.
std::string VocabularyHeaderLine();

// The lines --definitions adds for one class: "\t<label>: name, name[\t>= description]".
std::string FormatClassLine(int label, const v1::ClassDefinition& definition);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_COMMANDS_VOCABULARY_COMMANDS_H_
