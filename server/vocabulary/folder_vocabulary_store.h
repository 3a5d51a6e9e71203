// A VocabularyStore in a folder of text-format files, one per vocabulary, which several replicas
// may share (e.g. a mounted volume): every replica sees every registration.
#ifndef ITACLIP_SERVER_VOCABULARY_FOLDER_VOCABULARY_STORE_H_
#define ITACLIP_SERVER_VOCABULARY_FOLDER_VOCABULARY_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/vocabulary/vocabulary_store.h"

namespace itaclip::server {

// Opens the store in `dir`, creating the folder (and its parents) when missing. Layout: one file
// `<id>.textproto` per record, in protobuf text format (readable and editable by hand). Put writes
// a hidden temporary file in the same folder, flushes it to disk and rename()s it over the final
// name, so that a reader, in this process or another, sees the old file or the new one and never
// half a file. Files whose names are not `<id>.textproto` (temporary files included) are ignored; a
// temporary file left behind by a crash is harmless and is not removed, because on a shared folder
// it may belong to another replica's write in progress.
// Errors: INVALID_ARGUMENT for an empty path or one that is not a folder; the OS error otherwise.
// Store errors: a file that cannot be parsed, or that holds another id than its name, is DATA_LOSS
// naming the file; List() reports the first such file.
absl::StatusOr<std::unique_ptr<VocabularyStore>> OpenFolderVocabularyStore(const std::string& dir);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_VOCABULARY_FOLDER_VOCABULARY_STORE_H_
