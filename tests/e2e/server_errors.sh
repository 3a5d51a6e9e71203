#!/bin/bash
# itaclip-server refuses bad configuration at start-up: a non-zero exit, soon, with exactly one
# error line that says what is wrong (config errors: `itaclip-server: ...`; start failures: the
# JSON "start_failed" event), and it never reaches "serving".
#   usage: server_errors.sh ITACLIP_SERVER ITACLIP CHECKPOINT WORKDIR
set -uo pipefail
server=$1 client=$2 checkpoint=$3 work=$4
shared=${ITACLIP_SHARED_DIR:?}
bpe=$shared/reference/clip/bpe_simple_vocab_16e6.txt.gz
rm -rf "$work" && mkdir -p "$work"
# shellcheck source=server_test_lib.sh disable=SC2034  # (variables the library reads)
source "$(dirname "$0")/server_test_lib.sh"

# expect_refusal NAME EXPECTED_SUBSTRING FLAGS...: runs the server with FLAGS (no defaults added).
expect_refusal() {
  local name=$1 expected=$2
  shift 2
  local log=$work/$name.log
  timeout 60 "$server" "$@" 2>"$log" >/dev/null
  local rc=$?
  # The error line; the rest of stderr is ordinary info events (and gRPC's own log lines).
  local errors
  errors=$(grep -E '^itaclip-server: |"level":"error"' "$log")
  local count
  count=$(grep -c . <<<"$errors")
  if [ $rc -eq 0 ] || [ $rc -eq 124 ] || [ "$count" -ne 1 ] || [[ "$errors" != *"$expected"* ]] ||
    grep -q '"event":"serving"' "$log"; then
    check "$name" 1 "rc=$rc, $count error line(s), stderr:
$(cat "$log")"
  else
    check "$name (exit $rc): $errors" 0 ""
  fi
}

quiet=(--metrics_listen none --http_listen none --skip_warmup true --cpu_threads 1 --model_device cpu)

expect_refusal missing_checkpoint "model.checkpoint is required" \
  --bpe_vocabulary "$bpe" --listen 127.0.0.1:0 "${quiet[@]}"
expect_refusal missing_bpe "model.bpe_vocabulary is required" \
  --checkpoint "$checkpoint" --listen 127.0.0.1:0 "${quiet[@]}"
expect_refusal absent_checkpoint "$work/no-such.safetensors" \
  --checkpoint "$work/no-such.safetensors" --bpe_vocabulary "$bpe" --listen 127.0.0.1:0 \
  "${quiet[@]}"
head -c 1000 "$checkpoint" >"$work/truncated.safetensors"
expect_refusal truncated_checkpoint "truncated.safetensors: truncated" \
  --checkpoint "$work/truncated.safetensors" --bpe_vocabulary "$bpe" --listen 127.0.0.1:0 \
  "${quiet[@]}"
# (Permission bits do not make a file unreadable when the tests run as root; a folder cannot be
# read as a checkpoint by anyone.)
mkdir -p "$work/folder.safetensors"
expect_refusal checkpoint_is_a_folder "$work/folder.safetensors" \
  --checkpoint "$work/folder.safetensors" --bpe_vocabulary "$bpe" --listen 127.0.0.1:0 \
  "${quiet[@]}"
expect_refusal unknown_default_preset "the default preset 'no_such_preset'" \
  --checkpoint "$checkpoint" --bpe_vocabulary "$bpe" --listen 127.0.0.1:0 \
  --default_preset no_such_preset "${quiet[@]}"
expect_refusal bad_flag_value '--skip_warmup must be "true" or "false"' \
  --checkpoint "$checkpoint" --bpe_vocabulary "$bpe" --listen 127.0.0.1:0 --skip_warmup maybe

# Config files: the message gives the file, line and column of the first error.
printf 'listen_address: "127.0.0.1:0"\nmodel {\n  checkpoint = "x"\n}\n' >"$work/syntax.textproto"
expect_refusal config_syntax_error "$work/syntax.textproto:3:14: Expected \":\"" \
  --config "$work/syntax.textproto" "${quiet[@]}"
printf 'listen_address: "127.0.0.1:0"\nscheduling {\n  workers: 2\n  wrokers: 3\n}\n' \
  >"$work/unknown_field.textproto"
expect_refusal config_unknown_field "unknown_field.textproto:4:" \
  --config "$work/unknown_field.textproto" "${quiet[@]}"
expect_refusal config_missing "$work/none.textproto" --config "$work/none.textproto"

# Busy ports: a second server on the first one's gRPC port, or on its metrics port.
start_server first --skip_warmup true
expect_refusal busy_grpc_port "could not listen on 127.0.0.1:$first_port" \
  --checkpoint "$checkpoint" --bpe_vocabulary "$bpe" --listen "127.0.0.1:$first_port" \
  "${quiet[@]}"
expect_refusal busy_metrics_port "127.0.0.1:$first_metrics: Address already in use" \
  --checkpoint "$checkpoint" --bpe_vocabulary "$bpe" --listen 127.0.0.1:0 \
  --metrics_listen "127.0.0.1:$first_metrics" --http_listen none --skip_warmup true --cpu_threads 1
out=$("$client" health --server "127.0.0.1:$first_port" 2>&1)
check "the first server still serves" $? "$out"
stop_server first
[ "$stop_status" -eq 0 ]
check "first server: SIGTERM, exit 0" $? "status $stop_status"
finish
