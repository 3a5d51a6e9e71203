// VocabularyStore over hiredis: one blocking connection under a mutex, MULTI/EXEC for the record
// and the id set together, reconnection after any failure.
#include "server/vocabulary/redis_vocabulary_store.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "core/common/status_macros.h"
#include "server/net/host_port.h"
#include "server/observability/log.h"
#include "server/vocabulary/vocabulary_id.h"
#include "server/vocabulary/vocabulary_proto.h"

namespace itaclip::server {
namespace {

// MGET batch size for List(): bounds one answer's size while keeping round trips few.
constexpr size_t kListBatch = 256;

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

using Command = std::vector<std::string>;

// hiredis writes with write(2): on a connection the peer has reset that raises SIGPIPE, whose
// default action would kill the server. This blocks SIGPIPE in the calling thread for the duration
// of one exchange and discards a SIGPIPE the exchange raised (the write also fails with EPIPE,
// which hiredis reports as an I/O error).
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&sigpipe_);
    sigaddset(&sigpipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &sigpipe_, &previous_);
  }
  ~ScopedSigpipeBlock() {
    if (!was_pending_) {
      const timespec no_wait{0, 0};
      while (sigtimedwait(&sigpipe_, nullptr, &no_wait) > 0) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t sigpipe_;
  sigset_t previous_;
  bool was_pending_ = false;
};

std::string NotFoundMessage(const std::string& id) {
  return absl::StrCat("no vocabulary with id ", id);
}

// Error answers that mean "this Redis cannot serve now" rather than "this command is wrong".
bool IsTransientRedisError(absl::string_view error) {
  for (absl::string_view prefix :
       {"LOADING", "READONLY", "MASTERDOWN", "BUSY", "TRYAGAIN", "CLUSTERDOWN",
        // Authentication (NOAUTH: none sent; WRONGPASS: refused; NOPERM: the ACL user may not):
        // the store cannot serve this server until its configuration or Redis's changes.
        "NOAUTH", "WRONGPASS", "NOPERM"}) {
    if (absl::StartsWith(error, prefix)) return true;
  }
  return false;
}

// The first error answer in `reply` (an EXEC answer holds one answer per queued command), or "".
std::string FirstErrorIn(const redisReply* reply) {
  if (reply == nullptr) return "";
  if (reply->type == REDIS_REPLY_ERROR) return std::string(reply->str, reply->len);
  if (reply->type == REDIS_REPLY_ARRAY) {
    for (size_t i = 0; i < reply->elements; ++i) {
      std::string error = FirstErrorIn(reply->element[i]);
      if (!error.empty()) return error;
    }
  }
  return "";
}

class RedisVocabularyStore : public VocabularyStore {
 public:
  RedisVocabularyStore(RedisStoreOptions options, RedisAddress address)
      : options_(std::move(options)),
        address_(std::move(address)),
        set_key_(absl::StrCat(options_.key_prefix, "vocabs")) {}

  absl::Status Put(const VocabularyRecord& record) override {
    RETURN_IF_ERROR(ValidateVocabularyId(record.id));
    std::string bytes;
    if (!RecordToProto(record).SerializeToString(&bytes)) {
      return absl::InternalError(absl::StrCat("cannot serialise vocabulary ", record.id));
    }
    ASSIGN_OR_RETURN(std::vector<Reply> replies,
                     Run({{"MULTI"},
                          {"SET", RecordKey(record.id), std::move(bytes)},
                          {"SADD", set_key_, record.id},
                          {"EXEC"}}));
    return CheckExec(*replies.back(), 2).status();
  }

  absl::StatusOr<VocabularyRecord> Get(const std::string& id) override {
    RETURN_IF_ERROR(ValidateVocabularyId(id));
    ASSIGN_OR_RETURN(std::vector<Reply> replies, Run({{"GET", RecordKey(id)}}));
    const redisReply& reply = *replies[0];
    if (reply.type == REDIS_REPLY_NIL) return absl::NotFoundError(NotFoundMessage(id));
    return ParseRecord(id, reply);
  }

  absl::StatusOr<std::vector<VocabularyRecord>> List() override {
    ASSIGN_OR_RETURN(std::vector<Reply> members, Run({{"SMEMBERS", set_key_}}));
    const redisReply& set = *members[0];
    if (set.type != REDIS_REPLY_ARRAY) return Unexpected("SMEMBERS", set);
    std::vector<std::string> ids;
    ids.reserve(set.elements);
    for (size_t i = 0; i < set.elements; ++i) {
      const redisReply* member = set.element[i];
      if (member->type != REDIS_REPLY_STRING) return Unexpected("SMEMBERS", *member);
      std::string id(member->str, member->len);
      // The store never adds such a member; one written by something else is not a vocabulary.
      if (ValidateVocabularyId(id).ok()) ids.push_back(std::move(id));
    }
    std::sort(ids.begin(), ids.end());

    std::vector<VocabularyRecord> records;
    records.reserve(ids.size());
    for (size_t begin = 0; begin < ids.size(); begin += kListBatch) {
      const size_t end = std::min(ids.size(), begin + kListBatch);
      Command mget = {"MGET"};
      for (size_t i = begin; i < end; ++i) mget.push_back(RecordKey(ids[i]));
      ASSIGN_OR_RETURN(std::vector<Reply> replies, Run({std::move(mget)}));
      const redisReply& values = *replies[0];
      if (values.type != REDIS_REPLY_ARRAY || values.elements != end - begin) {
        return Unexpected("MGET", values);
      }
      for (size_t i = begin; i < end; ++i) {
        const redisReply& value = *values.element[i - begin];
        // Nil: deleted (by another replica) between SMEMBERS and MGET.
        if (value.type == REDIS_REPLY_NIL) continue;
        ASSIGN_OR_RETURN(VocabularyRecord record, ParseRecord(ids[i], value));
        records.push_back(std::move(record));
      }
    }
    return records;
  }

  absl::StatusOr<int64_t> Count() override {
    ASSIGN_OR_RETURN(std::vector<Reply> replies, Run({{"SCARD", set_key_}}));
    const redisReply& reply = *replies[0];
    if (reply.type != REDIS_REPLY_INTEGER) return Unexpected("SCARD", reply);
    return static_cast<int64_t>(reply.integer);
  }

  absl::Status Delete(const std::string& id) override {
    RETURN_IF_ERROR(ValidateVocabularyId(id));
    ASSIGN_OR_RETURN(std::vector<Reply> replies,
                     Run({{"MULTI"}, {"DEL", RecordKey(id)}, {"SREM", set_key_, id}, {"EXEC"}}));
    ASSIGN_OR_RETURN(const redisReply* results, CheckExec(*replies.back(), 2));
    const redisReply& deleted = *results->element[0];
    if (deleted.type != REDIS_REPLY_INTEGER) return Unexpected("DEL", deleted);
    if (deleted.integer == 0) return absl::NotFoundError(NotFoundMessage(id));
    return absl::OkStatus();
  }

  absl::Status Ping() override {
    ASSIGN_OR_RETURN(std::vector<Reply> replies, Run({{"PING"}}));
    const redisReply& reply = *replies[0];
    if (reply.type != REDIS_REPLY_STATUS) return Unexpected("PING", reply);
    return absl::OkStatus();
  }

  bool LastKnownUp() const override { return last_known_up_.load(std::memory_order_acquire); }

  std::string Describe() const override { return absl::StrCat("redis ", options_.address); }

 private:
  std::string RecordKey(const std::string& id) const {
    return absl::StrCat(options_.key_prefix, "vocab:", id);
  }

  std::string Unreachable(absl::string_view why) const {
    return absl::StrCat("vocabulary store ", Describe(), " is unreachable: ", why);
  }

  absl::Status Unexpected(absl::string_view command, const redisReply& reply) const {
    return absl::InternalError(absl::StrCat("vocabulary store ", Describe(),
                                            " gave an unexpected answer (type ", reply.type,
                                            ") to ", command));
  }

  absl::StatusOr<VocabularyRecord> ParseRecord(const std::string& id,
                                               const redisReply& reply) const {
    if (reply.type != REDIS_REPLY_STRING) return Unexpected("GET", reply);
    v1::StoredVocabulary record;
    if (!record.ParseFromArray(reply.str, static_cast<int>(reply.len))) {
      return absl::DataLossError(absl::StrCat("vocabulary record ", RecordKey(id), " in ",
                                              Describe(), " is corrupt: it does not parse"));
    }
    if (record.id() != id) {
      return absl::DataLossError(absl::StrCat("vocabulary record ", RecordKey(id), " in ",
                                              Describe(), " holds id \"", record.id(),
                                              "\", not the id of its key"));
    }
    return RecordFromProto(record);
  }

  // The per-command answers of an EXEC answer that should hold `count` of them.
  absl::StatusOr<const redisReply*> CheckExec(const redisReply& exec, size_t count) const {
    if (exec.type != REDIS_REPLY_ARRAY || exec.elements != count) return Unexpected("EXEC", exec);
    return &exec;
  }

  // Sends `commands` in one pipelined write and reads their answers, in order. An I/O failure drops
  // the connection and marks the store down; an error answer becomes UNAVAILABLE (transient) or
  // INTERNAL (anything else). The answers returned hold no error answer.
  absl::StatusOr<std::vector<Reply>> Run(const std::vector<Command>& commands) {
    absl::MutexLock lock(&mu_);
    if (context_ == nullptr) RETURN_IF_ERROR(ConnectLocked());
    ScopedSigpipeBlock no_sigpipe;
    for (const Command& command : commands) {
      std::vector<const char*> argv;
      std::vector<size_t> lengths;
      argv.reserve(command.size());
      lengths.reserve(command.size());
      for (const std::string& arg : command) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
      }
      if (redisAppendCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(),
                                 lengths.data()) != REDIS_OK) {
        return ConnectionFailedLocked();
      }
    }
    std::vector<Reply> replies;
    replies.reserve(commands.size());
    for (size_t i = 0; i < commands.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(context_.get(), &raw) != REDIS_OK || raw == nullptr) {
        return ConnectionFailedLocked();
      }
      replies.emplace_back(static_cast<redisReply*>(raw));
    }
    for (const Reply& reply : replies) {
      const std::string error = FirstErrorIn(reply.get());
      if (error.empty()) continue;
      if (IsTransientRedisError(error)) {
        const absl::Status status = absl::UnavailableError(
            absl::StrCat("vocabulary store ", Describe(), " cannot serve now: ", error));
        MarkDownLocked(status);
        return status;
      }
      MarkUpLocked();  // it answered: it is reachable, the command was refused
      return absl::InternalError(
          absl::StrCat("vocabulary store ", Describe(), " answered an error: ", error));
    }
    MarkUpLocked();
    return replies;
  }

  absl::Status ConnectLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (absl::Now() < retry_after_) return last_error_;
    Context context(redisConnectWithTimeout(address_.host.c_str(), address_.port,
                                            absl::ToTimeval(options_.timeout)));
    absl::Status status;
    if (context == nullptr) {
      status = absl::UnavailableError(Unreachable("cannot allocate a connection"));
    } else if (context->err != 0) {
      status = absl::UnavailableError(Unreachable(Why(*context)));
    } else if (redisSetTimeout(context.get(), absl::ToTimeval(options_.timeout)) != REDIS_OK) {
      status = absl::UnavailableError(Unreachable(Why(*context)));
    }
    if (status.ok() && !options_.password.empty()) status = AuthenticateLocked(context.get());
    if (!status.ok()) {
      retry_after_ = absl::Now() + options_.retry_interval;
      MarkDownLocked(status);
      return status;
    }
    // Finds a peer that vanished without closing (a crashed node) between operations.
    redisEnableKeepAlive(context.get());
    context_ = std::move(context);
    return absl::OkStatus();
  }

  // AUTH on a new connection. The reply's error text is Redis's (e.g. "WRONGPASS invalid
  // username-password pair or user is disabled."); the credentials appear in no message.
  absl::Status AuthenticateLocked(redisContext* context) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<const char*> argv = {"AUTH"};
    std::vector<size_t> lengths = {4};
    if (!options_.username.empty()) {
      argv.push_back(options_.username.data());
      lengths.push_back(options_.username.size());
    }
    argv.push_back(options_.password.data());
    lengths.push_back(options_.password.size());
    ScopedSigpipeBlock no_sigpipe;
    Reply reply(static_cast<redisReply*>(
        redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data())));
    if (reply == nullptr) return absl::UnavailableError(Unreachable(Why(*context)));
    const std::string error = FirstErrorIn(reply.get());
    if (error.empty()) return absl::OkStatus();
    return absl::UnavailableError(
        absl::StrCat("vocabulary store ", Describe(), " refused the credentials: ", error));
  }

  absl::Status ConnectionFailedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const absl::Status status = absl::UnavailableError(Unreachable(Why(*context_)));
    // hiredis contexts are unusable after an I/O error; the next operation connects afresh.
    context_.reset();
    MarkDownLocked(status);
    return status;
  }

  // hiredis reports a timeout as the errno text of EAGAIN; say what happened instead.
  std::string Why(const redisContext& context) const {
    const std::string text = context.errstr;
    if (absl::StrContains(text, "temporarily unavailable")) {
      return absl::StrCat("no answer within ", absl::FormatDuration(options_.timeout));
    }
    return text.empty() ? std::string("connection failed") : text;
  }

  void MarkDownLocked(const absl::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    last_error_ = status;
    if (!up_) return;
    up_ = false;
    last_known_up_.store(false, std::memory_order_release);
    down_since_ = absl::Now();
    Log(LogLevel::kWarning, "vocabulary_store_unreachable")
        .With("store", Describe())
        .With("error", std::string(status.message()));
  }

  void MarkUpLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    retry_after_ = absl::InfinitePast();
    if (up_) return;
    up_ = true;
    last_known_up_.store(true, std::memory_order_release);
    Log(LogLevel::kInfo, "vocabulary_store_recovered")
        .With("store", Describe())
        .With("down_s", absl::ToDoubleSeconds(absl::Now() - down_since_));
  }

  const RedisStoreOptions options_;
  const RedisAddress address_;
  const std::string set_key_;

  absl::Mutex mu_;
  Context context_ ABSL_GUARDED_BY(mu_);
  bool up_ ABSL_GUARDED_BY(mu_) = true;
  // up_, readable without mu_ (which a stalled operation holds).
  std::atomic<bool> last_known_up_{true};
  absl::Time down_since_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time retry_after_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<RedisAddress> ParseRedisAddress(absl::string_view address) {
  ASSIGN_OR_RETURN(HostPort parsed, ParseHostPort("redis", address, /*min_port=*/1));
  return RedisAddress{std::move(parsed.host), parsed.port};
}

absl::StatusOr<std::unique_ptr<VocabularyStore>> OpenRedisVocabularyStore(
    RedisStoreOptions options) {
  ASSIGN_OR_RETURN(RedisAddress address, ParseRedisAddress(options.address));
  if (!(options.timeout > absl::ZeroDuration())) {
    return absl::InvalidArgumentError(absl::StrCat("the redis timeout must be > 0 (got ",
                                                   absl::FormatDuration(options.timeout), ")"));
  }
  auto store = std::make_unique<RedisVocabularyStore>(std::move(options), std::move(address));
  // Connects now so that an unreachable Redis is logged at start-up; the store works (and
  // reconnects) either way.
  store->Ping().IgnoreError();
  return std::unique_ptr<VocabularyStore>(std::move(store));
}

}  // namespace itaclip::server
