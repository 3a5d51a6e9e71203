// RedisVocabularyStore against a real redis-server on loopback: the layout other tools see, two
// stores (two replicas) sharing one Redis, corrupt records, and what happens when Redis dies, comes
// back, never answers or refuses a command. (The shared store contract runs against it in
// vocabulary_store_test.cc.)
#include "server/vocabulary/redis_vocabulary_store.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "itaclip/v1/vocabulary.pb.h"
#include "server/observability/log.h"
#include "tests/server/vocabulary/redis_test_server.h"
#include "tests/server/vocabulary/test_vocabularies.h"
#include "tests/testing/test_paths.h"

namespace itaclip::server {
namespace {

using ::itaclip::server::testing::FreeLoopbackPort;
using ::itaclip::server::testing::NumberedDefinition;
using ::itaclip::server::testing::RawRedis;
using ::itaclip::server::testing::RedisServerInstalled;
using ::itaclip::server::testing::RedisTestServer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string IdNumber(int n) { return absl::StrFormat("voc-%032x", n); }

VocabularyRecord Record(int n, const std::string& display_name = "x") {
  VocabularyRecord record;
  record.id = IdNumber(n);
  record.display_name = display_name;
  record.definition = NumberedDefinition(n);
  record.created_unix_ms = 1'700'000'000'000 + n;
  return record;
}

std::unique_ptr<VocabularyStore> OpenOrDie(const std::string& address,
                                           const std::string& prefix = "itaclip:",
                                           absl::Duration timeout = absl::Seconds(2)) {
  RedisStoreOptions options;
  options.address = address;
  options.key_prefix = prefix;
  options.timeout = timeout;
  options.retry_interval = absl::Milliseconds(100);
  absl::StatusOr<std::unique_ptr<VocabularyStore>> store = OpenRedisVocabularyStore(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// Retries `op` until it returns OK or `within` has passed (the store fails fast for
// retry_interval after a failed connect).
template <typename Op>
absl::Status EventuallyOk(Op op, absl::Duration within = absl::Seconds(5)) {
  const absl::Time deadline = absl::Now() + within;
  absl::Status status = op();
  while (!status.ok() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
    status = op();
  }
  return status;
}

// Collects the server's JSON log lines while alive.
class LogCapture {
 public:
  LogCapture() {
    SetLogSink([this](absl::string_view line) {
      absl::MutexLock lock(&mu_);
      lines_.emplace_back(line);
    });
  }
  ~LogCapture() { SetLogSink(nullptr); }
  int Count(absl::string_view event) {
    absl::MutexLock lock(&mu_);
    int n = 0;
    for (const std::string& line : lines_) {
      if (line.find(absl::StrCat("\"event\":\"", event, "\"")) != std::string::npos) ++n;
    }
    return n;
  }
  std::string All() {
    absl::MutexLock lock(&mu_);
    std::string all;
    for (const std::string& line : lines_) absl::StrAppend(&all, line, "\n");
    return all;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> lines_;
};

class RedisVocabularyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RedisServerInstalled()) GTEST_SKIP() << "redis-server is not installed";
    absl::StatusOr<std::unique_ptr<RedisTestServer>> redis =
        RedisTestServer::Start(itaclip::testing::ScratchDir());
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
  }

  std::unique_ptr<RawRedis> Raw() {
    absl::StatusOr<std::unique_ptr<RawRedis>> raw = RawRedis::Connect(redis_->port());
    EXPECT_TRUE(raw.ok()) << raw.status();
    return raw.ok() ? *std::move(raw) : nullptr;
  }

  std::unique_ptr<RedisTestServer> redis_;
};

TEST_F(RedisVocabularyStoreTest, RecordsAndTheIdSetHaveTheDocumentedKeys) {
  std::unique_ptr<VocabularyStore> store = OpenOrDie(redis_->address(), "team-a:");
  const VocabularyRecord record = Record(5, "pets");
  ASSERT_TRUE(store->Put(record).ok());

  std::unique_ptr<RawRedis> raw = Raw();
  // Read back with our own connection: the value is the binary protobuf of the record
  // (v1::StoredVocabulary), every field in place and the weight left unset.
  v1::StoredVocabulary stored;
  ASSERT_TRUE(stored.ParseFromString(raw->Command({"GET", "team-a:vocab:" + record.id})));
  EXPECT_EQ(stored.id(), record.id);
  EXPECT_EQ(stored.display_name(), "pets");
  EXPECT_EQ(stored.created_unix_ms(), 1'700'000'000'005);
  ASSERT_EQ(stored.definition().classes_size(), 1);
  EXPECT_THAT(stored.definition().classes(0).names(), ElementsAre("thing 5"));
  EXPECT_FALSE(stored.definition().text_params().has_description_weight());
  EXPECT_EQ(raw->Command({"SMEMBERS", "team-a:vocabs"}), record.id);
  EXPECT_EQ(raw->Command({"DBSIZE"}), "2");  // nothing else was written

  ASSERT_TRUE(store->Delete(record.id).ok());
  EXPECT_EQ(raw->Command({"DBSIZE"}), "0");  // the record and the (now empty) set are gone
}

TEST_F(RedisVocabularyStoreTest, TwoStoresOnOneRedisSeeEachOther) {
  // Two replicas: what one registers, the other finds, lists, counts and can delete.
  std::unique_ptr<VocabularyStore> a = OpenOrDie(redis_->address());
  std::unique_ptr<VocabularyStore> b = OpenOrDie(redis_->address());
  ASSERT_TRUE(a->Put(Record(1, "from a")).ok());
  ASSERT_TRUE(b->Put(Record(2, "from b")).ok());
  EXPECT_EQ(b->Get(IdNumber(1))->display_name, "from a");
  EXPECT_EQ(a->Get(IdNumber(2))->display_name, "from b");
  EXPECT_EQ(*a->Count(), 2);
  ASSERT_TRUE(b->Delete(IdNumber(1)).ok());
  EXPECT_EQ(a->Get(IdNumber(1)).status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<std::vector<VocabularyRecord>> list = a->List();
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, IdNumber(2));
}

TEST_F(RedisVocabularyStoreTest, KeyPrefixesSeparateDeployments) {
  std::unique_ptr<VocabularyStore> prod = OpenOrDie(redis_->address(), "prod:");
  std::unique_ptr<VocabularyStore> staging = OpenOrDie(redis_->address(), "staging:");
  ASSERT_TRUE(prod->Put(Record(1)).ok());
  EXPECT_EQ(staging->Get(IdNumber(1)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*staging->Count(), 0);
  EXPECT_EQ(*prod->Count(), 1);
}

TEST_F(RedisVocabularyStoreTest, ListSkipsIdsWhoseRecordVanishedAndSpansSeveralBatches) {
  std::unique_ptr<VocabularyStore> store = OpenOrDie(redis_->address());
  // 600 records: more than one MGET batch (256).
  for (int n = 1; n <= 600; ++n) ASSERT_TRUE(store->Put(Record(n)).ok());
  // A record deleted by hand between a List's SMEMBERS and its MGET looks like this.
  Raw()->Command({"DEL", "itaclip:vocab:" + IdNumber(300)});
  absl::StatusOr<std::vector<VocabularyRecord>> list = store->List();
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 599u);
  EXPECT_EQ(list->front().id, IdNumber(1));
  EXPECT_EQ(list->back().id, IdNumber(600));
  EXPECT_EQ((*list)[298].id, IdNumber(299));
  EXPECT_EQ((*list)[299].id, IdNumber(301));
}

TEST_F(RedisVocabularyStoreTest, CorruptRecordsAreDataLossNamingTheKey) {
  std::unique_ptr<VocabularyStore> store = OpenOrDie(redis_->address());
  std::unique_ptr<RawRedis> raw = Raw();
  const std::string key = "itaclip:vocab:" + IdNumber(9);
  raw->Command({"SET", key, std::string("\xff\xff\xff not a protobuf", 19)});
  absl::Status status = store->Get(IdNumber(9)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr(key));

  // A valid record under another id's key.
  v1::StoredVocabulary other;
  other.set_id(IdNumber(10));
  raw->Command({"SET", key, other.SerializeAsString()});
  status = store->Get(IdNumber(9)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr(IdNumber(10)));
}

TEST_F(RedisVocabularyStoreTest, RefusedCommandsAreInternalQuotingRedis) {
  std::unique_ptr<VocabularyStore> store = OpenOrDie(redis_->address());
  Raw()->Command({"SET", "itaclip:vocabs", "a string, not a set"});
  const absl::Status status = store->Count().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(status.message(), HasSubstr("WRONGTYPE"));
  // The connection is fine: other operations still work.
  EXPECT_TRUE(store->Ping().ok());
  EXPECT_TRUE(store->Put(Record(1)).code() == absl::StatusCode::kInternal);  // SADD is refused too
  EXPECT_EQ(store->Get(IdNumber(2)).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RedisVocabularyStoreTest, KilledRedisIsUnavailableAndARestartRecovers) {
  LogCapture logs;
  std::unique_ptr<VocabularyStore> store = OpenOrDie(redis_->address());
  ASSERT_TRUE(store->Put(Record(1)).ok());
  ASSERT_TRUE(store->Ping().ok());

  redis_->Kill();
  const std::string unreachable =
      absl::StrCat("vocabulary store redis 127.0.0.1:", redis_->port(), " is unreachable: ");
  // Every operation: UNAVAILABLE, naming the store and the address.
  for (absl::Status status :
       {store->Put(Record(2)), store->Get(IdNumber(1)).status(), store->List().status(),
        store->Count().status(), store->Delete(IdNumber(1)), store->Ping()}) {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_THAT(std::string(status.message()), StartsWith(unreachable));
  }
  EXPECT_EQ(logs.Count("vocabulary_store_unreachable"), 1) << logs.All();  // once, not per call
  EXPECT_EQ(logs.Count("vocabulary_store_recovered"), 0);

  // The same port, a new (empty: --save "" keeps nothing) Redis: the store reconnects by itself.
  ASSERT_TRUE(redis_->Restart().ok());
  EXPECT_TRUE(EventuallyOk([&] { return store->Ping(); }).ok());
  EXPECT_EQ(store->Get(IdNumber(1)).status().code(), absl::StatusCode::kNotFound);  // data lost
  ASSERT_TRUE(store->Put(Record(3)).ok());
  EXPECT_EQ(store->Get(IdNumber(3))->id, IdNumber(3));
  EXPECT_EQ(*store->Count(), 1);
  EXPECT_EQ(logs.Count("vocabulary_store_recovered"), 1) << logs.All();
}

TEST_F(RedisVocabularyStoreTest, ABrokenConnectionDuringALargeWriteDoesNotKillTheProcess) {
  std::unique_ptr<VocabularyStore> store = OpenOrDie(redis_->address());
  ASSERT_TRUE(store->Ping().ok());  // connected
  redis_->Kill();
  // 16 MiB on a socket whose peer is gone: the kernel answers the first segments with a reset and
  // a later write raises SIGPIPE, whose default action would end this test binary.
  const absl::Status status = store->Put(Record(1, std::string(16 << 20, 'x')));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
}

TEST(RedisVocabularyStoreStartTest, StartsWithoutRedisAndConnectsWhenItComes) {
  if (!RedisServerInstalled()) GTEST_SKIP() << "redis-server is not installed";
  const int port = FreeLoopbackPort();
  std::unique_ptr<VocabularyStore> store = OpenOrDie(absl::StrCat("127.0.0.1:", port));
  EXPECT_EQ(store->Describe(), absl::StrCat("redis 127.0.0.1:", port));
  EXPECT_EQ(store->Count().status().code(), absl::StatusCode::kUnavailable);
  absl::StatusOr<std::unique_ptr<RedisTestServer>> redis =
      RedisTestServer::Start(itaclip::testing::ScratchDir(), port);
  ASSERT_TRUE(redis.ok()) << redis.status();
  EXPECT_TRUE(EventuallyOk([&] { return store->Put(Record(4)); }).ok());
  EXPECT_EQ(*store->Count(), 1);
}

TEST(RedisVocabularyStoreStartTest, APeerThatNeverAnswersTimesOut) {
  // A listening socket that never reads: connecting succeeds (the kernel completes the
  // handshake), the command's answer never comes.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int port = ntohs(address.sin_port);

  std::unique_ptr<VocabularyStore> store =
      OpenOrDie(absl::StrCat("127.0.0.1:", port), "itaclip:", absl::Milliseconds(200));
  const absl::Time start = absl::Now();
  const absl::Status status = store->Count().status();
  const absl::Duration took = absl::Now() - start;
  ::close(fd);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("no answer within 200ms"));
  EXPECT_LT(took, absl::Seconds(2));
}

// Redis AUTH (issue 13): a Redis that requires a password refuses a store without one or with a
// wrong one (UNAVAILABLE saying the credentials were refused, never quoting them) and serves a
// store with the right one, for the default user and for an ACL user.
TEST(RedisVocabularyStoreAuthTest, ThePasswordAndTheAclUserAreSentAndNeverQuoted) {
  if (!RedisServerInstalled()) GTEST_SKIP() << "redis-server is not installed";
  const std::string password = "s3cret-Pa55word";
  absl::StatusOr<std::unique_ptr<RedisTestServer>> redis = RedisTestServer::Start(
      itaclip::testing::ScratchDir(), 0,
      {"--requirepass", password, "--user", "alice", "on", ">alice-pw", "~*", "&*", "+@all"});
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto open = [&](const std::string& username, const std::string& secret) {
    RedisStoreOptions options;
    options.address = (*redis)->address();
    options.key_prefix = "auth:";
    options.retry_interval = absl::ZeroDuration();
    options.username = username;
    options.password = secret;
    absl::StatusOr<std::unique_ptr<VocabularyStore>> store = OpenRedisVocabularyStore(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  };

  std::unique_ptr<VocabularyStore> none = open("", "");
  absl::Status status = none->Put(Record(1));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(status.message(), HasSubstr("NOAUTH"));

  std::unique_ptr<VocabularyStore> wrong = open("", "not-the-password");
  status = wrong->Put(Record(1));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(status.message(), HasSubstr("refused the credentials"));
  EXPECT_THAT(status.message(), Not(HasSubstr("not-the-password")));

  std::unique_ptr<VocabularyStore> right = open("", password);
  ASSERT_TRUE(right->Put(Record(1)).ok());
  EXPECT_TRUE(right->Ping().ok());

  std::unique_ptr<VocabularyStore> alice = open("alice", "alice-pw");
  absl::StatusOr<VocabularyRecord> got = alice->Get(IdNumber(1));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->id, IdNumber(1));
  std::unique_ptr<VocabularyStore> alice_wrong = open("alice", password);
  status = alice_wrong->Get(IdNumber(1)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(status.message(), Not(HasSubstr(password)));
  EXPECT_THAT(status.message(), Not(HasSubstr("alice")));
}

TEST(RedisVocabularyStoreOpenTest, RefusesBadAddressesAndTimeouts) {
  RedisStoreOptions options;
  options.address = "localhost";
  EXPECT_EQ(OpenRedisVocabularyStore(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.address = "localhost:6379";
  options.timeout = absl::ZeroDuration();
  const absl::Status status = OpenRedisVocabularyStore(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("timeout"));
}

TEST(ParseRedisAddressTest, AcceptsHostPortAndBracketedIpv6) {
  absl::StatusOr<RedisAddress> a = ParseRedisAddress("itaclip-redis.ns.svc:6379");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "itaclip-redis.ns.svc");
  EXPECT_EQ(a->port, 6379);
  absl::StatusOr<RedisAddress> b = ParseRedisAddress("[::1]:7000");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 7000);
}

TEST(ParseRedisAddressTest, RefusesWhatIsNotHostPort) {
  for (const char* bad : {"redis", ":6379", "host:", "host:0", "host:65536", "host:63x", "::1:6379",
                          "[::1]6379", "[]:6379"}) {
    const absl::Status status = ParseRedisAddress(bad).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr(absl::StrCat("\"", bad, "\""))) << bad;
  }
}

}  // namespace
}  // namespace itaclip::server
