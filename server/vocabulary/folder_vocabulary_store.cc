// VocabularyStore over a folder: text-format files written atomically by temp file + rename().
#include "server/vocabulary/folder_vocabulary_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "server/vocabulary/vocabulary_id.h"
#include "server/vocabulary/vocabulary_proto.h"

namespace itaclip::server {
namespace {

namespace fs = std::filesystem;

constexpr absl::string_view kExtension = ".textproto";

// Keeps the first parse error with its 1-based position (the parser counts from 0).
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (message_.empty()) message_ = absl::StrCat(line + 1, ":", column + 1, ": ", message);
  }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

// Writes all of `data` to `fd`, retrying short writes and EINTR.
absl::Status WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot write ", path));
    }
    written += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

// Reads the rest of `fd` into `contents`, retrying EINTR.
absl::Status ReadAll(int fd, const std::string& path, std::string& contents) {
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n == 0) return absl::OkStatus();
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot read vocabulary file ", path));
    }
    contents.append(buffer, static_cast<size_t>(n));
  }
}

// Clients see this message, so it names the id and not the server's folder.
std::string NotFoundMessage(const std::string& id) {
  return absl::StrCat("no vocabulary with id ", id);
}

// The id a store file name stands for, or "" for any other file (temporary files included).
std::string IdOfFileName(const std::string& name) {
  if (!absl::EndsWith(name, kExtension)) return "";
  std::string id = name.substr(0, name.size() - kExtension.size());
  return ValidateVocabularyId(id).ok() ? id : "";
}

class FolderVocabularyStore : public VocabularyStore {
 public:
  explicit FolderVocabularyStore(std::string dir) : dir_(std::move(dir)) {}

  absl::Status Put(const VocabularyRecord& record) override {
    RETURN_IF_ERROR(ValidateVocabularyId(record.id));
    std::string text;
    if (!google::protobuf::TextFormat::PrintToString(RecordToProto(record), &text)) {
      return absl::InternalError(absl::StrCat("cannot print vocabulary ", record.id));
    }
    // Hidden and not ending in the extension, so that List() and Get() never read it; mkstemp makes
    // the name unique, so concurrent writers (threads or replicas) never share a temporary file.
    std::string temp_path = absl::StrCat(dir_, "/.", record.id, ".tmp-XXXXXX");
    const int fd = ::mkstemp(temp_path.data());
    if (fd < 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot create a temporary file in ", dir_));
    }
    // mkstemp creates the file 0600; a record gets the mode an ordinary new file would have, so
    // that an operator or a replica running as another user can read it (the folder's own
    // permissions decide who may).
    absl::Status status =
        ::fchmod(fd, 0644) == 0
            ? absl::OkStatus()
            : absl::ErrnoToStatus(errno, absl::StrCat("cannot chmod ", temp_path));
    if (status.ok()) status = WriteAll(fd, text, temp_path);
    // fsync before rename: otherwise a crash can leave the new name pointing at an empty file.
    if (status.ok() && ::fsync(fd) != 0) {
      status = absl::ErrnoToStatus(errno, absl::StrCat("cannot flush ", temp_path));
    }
    if (::close(fd) != 0 && status.ok()) {
      status = absl::ErrnoToStatus(errno, absl::StrCat("cannot close ", temp_path));
    }
    const std::string path = PathOf(record.id);
    if (status.ok() && ::rename(temp_path.c_str(), path.c_str()) != 0) {
      status = absl::ErrnoToStatus(errno, absl::StrCat("cannot rename ", temp_path, " to ", path));
    }
    if (!status.ok()) {
      ::unlink(temp_path.c_str());
      return status;
    }
    SyncFolder();
    return absl::OkStatus();
  }

  absl::StatusOr<VocabularyRecord> Get(const std::string& id) override {
    RETURN_IF_ERROR(ValidateVocabularyId(id));
    ASSIGN_OR_RETURN(std::optional<VocabularyRecord> record, ReadRecord(id));
    if (!record.has_value()) {
      return absl::NotFoundError(NotFoundMessage(id));
    }
    return *std::move(record);
  }

  absl::StatusOr<std::vector<VocabularyRecord>> List() override {
    ASSIGN_OR_RETURN(std::vector<std::string> ids, ListIds());
    std::vector<VocabularyRecord> records;
    records.reserve(ids.size());
    for (const std::string& id : ids) {
      ASSIGN_OR_RETURN(std::optional<VocabularyRecord> record, ReadRecord(id));
      // Absent: deleted (by another replica) since the folder was read.
      if (record.has_value()) records.push_back(*std::move(record));
    }
    return records;
  }

  absl::StatusOr<int64_t> Count() override {
    ASSIGN_OR_RETURN(std::vector<std::string> ids, ListIds());
    return static_cast<int64_t>(ids.size());
  }

  absl::Status Delete(const std::string& id) override {
    RETURN_IF_ERROR(ValidateVocabularyId(id));
    const std::string path = PathOf(id);
    if (::unlink(path.c_str()) != 0) {
      if (errno == ENOENT) {
        return absl::NotFoundError(NotFoundMessage(id));
      }
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot delete ", path));
    }
    SyncFolder();
    return absl::OkStatus();
  }

  std::string Describe() const override { return absl::StrCat("folder ", dir_); }

  // A shared folder is usually a mounted volume, which can go away or turn read-only.
  absl::Status Ping() override {
    if (::access(dir_.c_str(), R_OK | W_OK | X_OK) != 0) {
      return absl::ErrnoToStatus(errno,
                                 absl::StrCat("vocabulary store folder ", dir_, " is not usable"));
    }
    return absl::OkStatus();
  }

 private:
  // Only ever called with a validated id: the id alone picks the file name inside dir_.
  std::string PathOf(const std::string& id) const {
    return absl::StrCat(dir_, "/", id, kExtension);
  }

  // The record in `id`'s file; nullopt when the file does not exist.
  absl::StatusOr<std::optional<VocabularyRecord>> ReadRecord(const std::string& id) const {
    const std::string path = PathOf(id);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return std::optional<VocabularyRecord>();
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot open vocabulary file ", path));
    }
    std::string contents;
    absl::Status read = ReadAll(fd, path, contents);
    ::close(fd);
    RETURN_IF_ERROR(read);

    v1::StoredVocabulary record;
    FirstErrorCollector errors;
    google::protobuf::TextFormat::Parser parser;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(contents, &record)) {
      return absl::DataLossError(absl::StrCat(
          "vocabulary file ", path,
          " is corrupt: ", errors.message().empty() ? "cannot be parsed" : errors.message()));
    }
    if (record.id() != id) {
      return absl::DataLossError(absl::StrCat("vocabulary file ", path, " holds id \"", record.id(),
                                              "\", not the id of its name"));
    }
    return std::optional<VocabularyRecord>(RecordFromProto(record));
  }

  // The ids of the store files in the folder, sorted.
  absl::StatusOr<std::vector<std::string>> ListIds() const {
    std::vector<std::string> ids;
    std::error_code error;
    for (fs::directory_iterator it(dir_, error), end; !error && it != end; it.increment(error)) {
      std::string id = IdOfFileName(it->path().filename().string());
      if (!id.empty()) ids.push_back(std::move(id));
    }
    if (error) {
      return absl::UnavailableError(
          absl::StrCat("cannot list vocabulary folder ", dir_, ": ", error.message()));
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  // Makes a rename or unlink durable. Best effort: the change is already visible to every reader,
  // and some file systems refuse fsync on a folder.
  void SyncFolder() const {
    const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
  }

  const std::string dir_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<VocabularyStore>> OpenFolderVocabularyStore(const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("the vocabulary store folder path is empty");
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    return absl::ErrnoToStatus(error.value(), absl::StrCat("cannot create vocabulary store folder ",
                                                           dir, ": ", error.message()));
  }
  if (!fs::is_directory(dir, error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("vocabulary store path ", dir, " is not a folder"));
  }
  return std::unique_ptr<VocabularyStore>(std::make_unique<FolderVocabularyStore>(dir));
}

}  // namespace itaclip::server
