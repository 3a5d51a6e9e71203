// VocabularyStore over an id-ordered map guarded by one mutex.
#include "server/vocabulary/memory_vocabulary_store.h"

#include <map>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/common/status_macros.h"
#include "server/vocabulary/vocabulary_id.h"

namespace itaclip::server {
namespace {

class MemoryVocabularyStore : public VocabularyStore {
 public:
  absl::Status Put(const VocabularyRecord& record) override {
    RETURN_IF_ERROR(ValidateVocabularyId(record.id));
    absl::MutexLock lock(&mu_);
    records_[record.id] = record;
    return absl::OkStatus();
  }

  absl::StatusOr<VocabularyRecord> Get(const std::string& id) override {
    RETURN_IF_ERROR(ValidateVocabularyId(id));
    absl::MutexLock lock(&mu_);
    auto it = records_.find(id);
    if (it == records_.end()) return NotFound(id);
    return it->second;
  }

  absl::StatusOr<std::vector<VocabularyRecord>> List() override {
    absl::MutexLock lock(&mu_);
    std::vector<VocabularyRecord> records;
    records.reserve(records_.size());
    for (const auto& [id, record] : records_) records.push_back(record);  // the map is id-ordered
    return records;
  }

  absl::StatusOr<int64_t> Count() override {
    absl::MutexLock lock(&mu_);
    return static_cast<int64_t>(records_.size());
  }

  absl::Status Delete(const std::string& id) override {
    RETURN_IF_ERROR(ValidateVocabularyId(id));
    absl::MutexLock lock(&mu_);
    if (records_.erase(id) == 0) return NotFound(id);
    return absl::OkStatus();
  }

  std::string Describe() const override { return "memory"; }

 private:
  static absl::Status NotFound(const std::string& id) {
    return absl::NotFoundError(absl::StrCat("no vocabulary with id ", id));
  }

  absl::Mutex mu_;
  std::map<std::string, VocabularyRecord> records_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<VocabularyStore> MakeMemoryVocabularyStore() {
  return std::make_unique<MemoryVocabularyStore>();
}

}  // namespace itaclip::server
