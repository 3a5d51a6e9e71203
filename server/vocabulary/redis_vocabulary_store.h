// A VocabularyStore in Redis, shared by every replica of the server: a vocabulary registered on one
// pod is found by all the others (which build its embeddings on first use).
#ifndef ITACLIP_SERVER_VOCABULARY_REDIS_VOCABULARY_STORE_H_
#define ITACLIP_SERVER_VOCABULARY_REDIS_VOCABULARY_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/vocabulary/vocabulary_store.h"

namespace itaclip::server {

struct RedisStoreOptions {
  std::string address;     // "host:port", "[ipv6]:port"; a host name is resolved at each connect
  std::string key_prefix;  // prepended to every key, so that several deployments share one Redis
  absl::Duration timeout = absl::Seconds(2);  // to connect, and for each command's answer
  // After a failed connect, operations fail at once for this long instead of each waiting for the
  // timeout (a Redis host that drops packets would otherwise hold every caller for `timeout`).
  absl::Duration retry_interval = absl::Milliseconds(500);
  // Redis AUTH after each connect when `password` is not empty: `AUTH username password` (an ACL
  // user, Redis 6+) or `AUTH password` when `username` is empty. Neither is ever logged or put in
  // a status (see redis_credentials.h for where they come from).
  std::string username;
  std::string password;
};

struct RedisAddress {
  std::string host;
  int port = 0;
};

// "host:port" or "[ipv6]:port" with a port in 1..65535; INVALID_ARGUMENT naming the address
// otherwise.
absl::StatusOr<RedisAddress> ParseRedisAddress(absl::string_view address);

// A store over one Redis connection (guarded by a mutex; every method is thread-safe).
// Layout: each record, serialised as binary protobuf, under the string key `<prefix>vocab:<id>`,
// and every id in the set `<prefix>vocabs` (what List and Count read). Put and Delete change both
// in one MULTI/EXEC transaction, so the set and the records never disagree for a reader. Failures:
// when Redis cannot be reached or the connection breaks, the operation returns UNAVAILABLE
// "vocabulary store redis HOST:PORT is unreachable: <why>", the connection is dropped and the next
// operation connects again (after retry_interval when the connect itself failed), so a restarted
// Redis is picked up without restarting the server. Redis answers that mean "not now" (LOADING,
// READONLY, MASTERDOWN, BUSY, TRYAGAIN, CLUSTERDOWN) or "not for you" (NOAUTH, WRONGPASS, NOPERM)
// are UNAVAILABLE too; other error answers are
// INTERNAL quoting Redis. The first failure after a success logs "vocabulary_store_unreachable" and
// the first success after a failure logs "vocabulary_store_recovered"; Ping() sends PING. A record
// that does not parse, or that holds another id than its key, is DATA_LOSS naming the key. Errors
// of Open: INVALID_ARGUMENT for a bad address or a non-positive timeout. Credentials that Redis
// refuses (or none when it requires them) make every operation UNAVAILABLE saying so, with Redis's
// error text (which names neither the user's password nor the user). An unreachable Redis is
// not an error here (the server starts, reports it, and connects when Redis comes).
absl::StatusOr<std::unique_ptr<VocabularyStore>> OpenRedisVocabularyStore(
    RedisStoreOptions options);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_VOCABULARY_REDIS_VOCABULARY_STORE_H_
