# shellcheck shell=bash disable=SC2154  # (server, checkpoint, bpe, work: set by the caller)
# Sourced by the shell end-to-end tests of itaclip-server: starts servers on ports the kernel picks
# (read back from the "listening" log event, so no port races), kills every server it started when
# the test exits, and counts failed checks.
# The caller sets: server (the itaclip-server binary), checkpoint, bpe, work (its scratch folder).

failures=0
server_pids=()

cleanup_servers() {
  local pid
  for pid in "${server_pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup_servers EXIT

# check NAME STATUS DETAIL: one line per check; STATUS 0 passes.
check() {
  if [ "$2" -eq 0 ]; then
    echo "ok   $1"
  else
    echo "FAIL $1: $3"
    failures=$((failures + 1))
  fi
}

# finish: the test's exit status.
finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
  fi
  exit 0
}

# log_field LINE KEY: the number or string value of KEY in one JSON log line.
log_field() {
  sed -nE 's/.*"'"$2"'":"?([^",}]*)"?[,}].*/\1/p' <<<"$1"
}

# start_server NAME [FLAGS...]: starts itaclip-server with its log in $work/NAME.log and waits for
# "serving"; sets NAME_pid, NAME_port, NAME_metrics. Exits the test if the server does not come up.
start_server() {
  local name=$1
  shift
  local log=$work/$name.log
  "$server" --checkpoint "$checkpoint" --bpe_vocabulary "$bpe" --listen 127.0.0.1:0 \
    --metrics_listen 127.0.0.1:0 --http_listen 127.0.0.1:0 --cpu_threads 1 --model_device cpu "$@" 2>"$log" &
  local pid=$!
  server_pids+=("$pid")
  printf -v "${name}_pid" '%s' "$pid"
  local _
  for _ in $(seq 600); do
    if grep -q '"event":"serving"' "$log"; then
      local listening
      listening=$(grep '"event":"listening"' "$log")
      printf -v "${name}_port" '%s' "$(log_field "$listening" port)"
      printf -v "${name}_metrics" '%s' "$(log_field "$listening" metrics_port)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "FAIL server $name exited before serving:"
      cat "$log"
      exit 1
    fi
    sleep 0.1
  done
  echo "FAIL server $name not serving within 60 s:"
  cat "$log"
  exit 1
}

# stop_server NAME [TIMEOUT_S]: SIGTERM, then waits; sets stop_status to the exit status (124:
# still running after TIMEOUT_S, then killed).
stop_server() {
  local name=$1 timeout=${2:-30}
  local pid_var=${name}_pid
  local pid=${!pid_var}
  local _
  kill -TERM "$pid" 2>/dev/null
  stop_status=124
  # Bash reaps its children as they exit and keeps their status for `wait`.
  for _ in $(seq $((timeout * 10))); do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid"
      stop_status=$?
      break
    fi
    sleep 0.1
  done
  if [ "$stop_status" -eq 124 ]; then
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
}
