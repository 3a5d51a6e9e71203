#!/bin/bash
# Two itaclip-server processes sharing one real redis-server on loopback: a vocabulary registered
# on A is segmented by id on B (same answer as A); with Redis killed, B still serves the vocabulary
# it holds, registering a new one is UNAVAILABLE naming Redis, the metrics say
# itaclip_vocabulary_store_up 0 and the log says unreachable; with Redis restarted (empty: it runs
# with --save ""), registering works again and store_up is back to 1.
#   usage: redis_shared_store.sh ITACLIP_SERVER ITACLIP CHECKPOINT WORKDIR
# Exits 77 (ctest: skipped) only when redis-server is not installed.
set -uo pipefail
server=$1 client=$2 checkpoint=$3 work=$4
shared=${ITACLIP_SHARED_DIR:?}
bpe=$shared/reference/clip/bpe_simple_vocab_16e6.txt.gz
image=$shared/data/voc-samples/0.jpg
command -v redis-server >/dev/null || { echo "SKIP: redis-server is not installed"; exit 77; }
rm -rf "$work" && mkdir -p "$work/redis"
failures=0
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT

check() {  # check NAME CONDITION_STATUS DETAIL
  if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1: $3"; failures=$((failures + 1)); fi
}

free_port() {
  "${ITACLIP_PYTHON:?}" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

redis_port=$(free_port)
redis_pid=
start_redis() {
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
    --dir "$work/redis" --logfile "$work/redis/redis.log" &
  redis_pid=$!
  pids+=("$redis_pid")
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.1
  done
  echo "redis-server did not start"; cat "$work/redis/redis.log"; exit 1
}

# start_server NAME: starts itaclip-server NAME, waits for "serving", sets <NAME>_port and
# <NAME>_metrics from its "listening" log line.
start_server() {
  local name=$1 log=$work/$1.log
  "$server" --checkpoint "$checkpoint" --bpe_vocabulary "$bpe" --listen 127.0.0.1:0 \
    --metrics_listen 127.0.0.1:0 --http_listen none --skip_warmup true --cpu_threads 1 --workers 1 \
    --redis_address "127.0.0.1:$redis_port" --redis_key_prefix "e2e:" 2>"$log" &
  pids+=($!)
  for _ in $(seq 600); do
    if grep -q '"event":"serving"' "$log"; then
      local listening
      listening=$(grep '"event":"listening"' "$log")
      printf -v "${name}_port" '%s' "$(sed -E 's/.*"port":([0-9]+).*/\1/' <<<"$listening")"
      printf -v "${name}_metrics" '%s' "$(sed -E 's/.*"metrics_port":([0-9]+).*/\1/' <<<"$listening")"
      return 0
    fi
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then echo "server $name exited:"; cat "$log"; exit 1; fi
    sleep 0.1
  done
  echo "server $name did not become ready"; cat "$log"; exit 1
}

store_up() {  # the itaclip_vocabulary_store_up value of server on metrics port $1
  curl -sf "http://127.0.0.1:$1/metrics" | awk '$1 == "itaclip_vocabulary_store_up" {print $2}'
}

start_redis
start_server a
start_server b
echo "redis :$redis_port, server a :$a_port (metrics :$a_metrics), b :$b_port (metrics :$b_metrics)"
grep -q '"event":"vocabulary_store","store":"redis 127.0.0.1:'"$redis_port"'"' "$work/a.log"
check "server logs which store it uses" $? "$(grep vocabulary_store "$work/a.log")"

# 1. Register on A, segment by that id on B: the same labels as A's.
id=$("$client" register --server "127.0.0.1:$a_port" --class_names "background; cat; dog, puppy; sky" \
       --background_first 2>"$work/register_a.err")
check "register on A" $? "$(cat "$work/register_a.err")"
[[ "$id" =~ ^voc-[0-9a-f]{32}$ ]]; check "register prints an id ($id)" $? "$id"
[ "$(redis-cli -p "$redis_port" sismember e2e:vocabs "$id")" = 1 ]
check "the id is in Redis under the configured prefix" $? "$(redis-cli -p "$redis_port" keys '*')"
"$client" list --server "127.0.0.1:$b_port" >"$work/list_b.txt" 2>&1
grep -q "$id" "$work/list_b.txt"; check "B lists the vocabulary A registered" $? "$(cat "$work/list_b.txt")"
"$client" segment --server "127.0.0.1:$b_port" --vocabulary "$id" --image "$image" \
  --out "$work/b.png" --quiet 2>"$work/segment_b.err"
check "segment by id on B" $? "$(cat "$work/segment_b.err")"
"$client" segment --server "127.0.0.1:$a_port" --vocabulary "$id" --image "$image" \
  --out "$work/a.png" --quiet 2>"$work/segment_a.err"
check "segment by id on A" $? "$(cat "$work/segment_a.err")"
cmp -s "$work/a.png" "$work/b.png"; check "B's labels equal A's" $? "label PNGs differ"
[ "$(store_up "$b_metrics")" = 1 ]; check "store_up 1 on B" $? "$(store_up "$b_metrics")"

# 2. Kill Redis: B keeps serving the vocabulary it holds; new registrations are UNAVAILABLE.
kill -9 "$redis_pid"; wait "$redis_pid" 2>/dev/null
"$client" segment --server "127.0.0.1:$b_port" --vocabulary "$id" --image "$image" \
  --out "$work/b_outage.png" --quiet 2>"$work/segment_b_outage.err"
check "segment by a resident id on B without Redis" $? "$(cat "$work/segment_b_outage.err")"
cmp -s "$work/a.png" "$work/b_outage.png"; check "same labels during the outage" $? "differ"
"$client" register --server "127.0.0.1:$a_port" --class_names "road; car; tree" \
  >/dev/null 2>"$work/register_outage.err"
rc=$?
err=$(cat "$work/register_outage.err")
[ $rc -ne 0 ] && [[ "$err" == *UNAVAILABLE* ]] && \
  [[ "$err" == *"vocabulary store redis 127.0.0.1:$redis_port is unreachable"* ]]
check "register without Redis is UNAVAILABLE naming redis" $? "rc=$rc: $err"
[ "$(store_up "$a_metrics")" = 0 ]; check "store_up 0 on A" $? "$(store_up "$a_metrics")"
[ "$(store_up "$b_metrics")" = 0 ]; check "store_up 0 on B" $? "$(store_up "$b_metrics")"
grep -q '"event":"vocabulary_store_unreachable"' "$work/a.log"
check "A logs vocabulary_store_unreachable" $? "$(tail -5 "$work/a.log")"

# 3. Restart Redis on the same port (empty): both servers reconnect by themselves.
start_redis
ok=1
for _ in $(seq 50); do
  [ "$(store_up "$a_metrics")" = 1 ] && [ "$(store_up "$b_metrics")" = 1 ] && { ok=0; break; }
  sleep 0.1
done
check "store_up back to 1 on A and B" $ok "a=$(store_up "$a_metrics") b=$(store_up "$b_metrics")"
grep -q '"event":"vocabulary_store_recovered"' "$work/b.log"
check "B logs vocabulary_store_recovered" $? "$(tail -5 "$work/b.log")"
id2=$("$client" register --server "127.0.0.1:$a_port" --class_names "road; car; tree" \
        2>"$work/register_after.err")
check "register after the restart" $? "$(cat "$work/register_after.err")"
"$client" segment --server "127.0.0.1:$b_port" --vocabulary "$id2" --image "$image" \
  --out "$work/b2.png" --quiet 2>"$work/segment_b2.err"
check "B segments the vocabulary registered on A after the restart" $? "$(cat "$work/segment_b2.err")"

echo "$failures failures"
[ "$failures" -eq 0 ]
