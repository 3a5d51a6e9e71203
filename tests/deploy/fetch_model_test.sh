#!/bin/bash
# deploy/scripts/fetch-model.sh (the init container's and the image's model step) with file://
# URLs: a good download lands, a present verified file is kept without downloading, a wrong
# SHA-256 or a failed download leaves nothing behind, a corrupt file is replaced, --verify-only
# never downloads; and the image's entry point verifies before it runs the server.
#   usage: fetch_model_test.sh WORKDIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fetch=$here/../../deploy/scripts/fetch-model.sh
entrypoint=$here/../../deploy/scripts/docker-entrypoint.sh
work=$1
rm -rf "$work" && mkdir -p "$work/src" "$work/models"
failures=0
check() {  # check NAME STATUS DETAIL
  if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1: $3"; failures=$((failures + 1)); fi
}

head -c 100000 /dev/urandom >"$work/src/weights.bin"
printf 'other content' >"$work/src/other.bin"
good=$(sha256sum "$work/src/weights.bin" | cut -d' ' -f1)
# An independent SHA-256 (Python's hashlib) agrees with the one the script will compare against.
py=$("${ITACLIP_PYTHON:-python3}" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' \
       "$work/src/weights.bin")
[ "$py" = "$good" ]; check "sha256sum agrees with hashlib" $? "$py != $good"
url=file://$work/src/weights.bin
dest=$work/models/weights.bin
leftovers() { find "$work/models" -name '.*partial*' | wc -l; }

out=$(bash "$fetch" "$dest" "$url" "$good" 2>&1); rc=$?
[ $rc -eq 0 ] && cmp -s "$dest" "$work/src/weights.bin"
check "downloads and installs a verified file" $? "rc=$rc $out"

# Present and verified: kept, and the (now unreachable) URL is never read.
out=$(bash "$fetch" "$dest" "file://$work/src/gone.bin" "$good" 2>&1); rc=$?
[ $rc -eq 0 ] && [[ "$out" == *"present, sha256 $good verified"* ]]
check "keeps a present verified file without downloading" $? "rc=$rc $out"

# A wrong SHA-256: an error naming both digests, nothing written.
bad=$(printf '0%.0s' $(seq 64))
out=$(bash "$fetch" "$work/models/new.bin" "$url" "$bad" 2>&1); rc=$?
[ $rc -eq 1 ] && [ ! -e "$work/models/new.bin" ] && [ "$(leftovers)" -eq 0 ] && \
  [[ "$out" == *"has sha256 $good, expected $bad"* ]]
check "refuses a download with the wrong sha256, leaving nothing" $? "rc=$rc $out"

# A corrupt file in place is replaced by a verified download.
printf 'truncated' >"$dest"
out=$(bash "$fetch" "$dest" "$url" "$good" 2>&1); rc=$?
[ $rc -eq 0 ] && cmp -s "$dest" "$work/src/weights.bin"
check "replaces a corrupt file" $? "rc=$rc $out"

# A download that fails: an error naming the URL, nothing written.
out=$(bash "$fetch" "$work/models/missing.bin" "file://$work/src/gone.bin" "$good" 2>&1); rc=$?
[ $rc -eq 1 ] && [ ! -e "$work/models/missing.bin" ] && [ "$(leftovers)" -eq 0 ] && \
  [[ "$out" == *"cannot download file://$work/src/gone.bin"* ]]
check "a failed download leaves nothing" $? "rc=$rc $out"

# --verify-only: never downloads; a missing or corrupt file fails.
out=$(bash "$fetch" --verify-only "$work/models/absent.bin" "$url" "$good" 2>&1); rc=$?
[ $rc -eq 1 ] && [ ! -e "$work/models/absent.bin" ] && [[ "$out" == *missing* ]]
check "--verify-only fails on a missing file without fetching it" $? "rc=$rc $out"
cp "$work/src/other.bin" "$work/models/other.bin"
out=$(bash "$fetch" --verify-only "$work/models/other.bin" "$url" "$good" 2>&1); rc=$?
[ $rc -eq 1 ] && cmp -s "$work/models/other.bin" "$work/src/other.bin"
check "--verify-only fails on a corrupt file and leaves it" $? "rc=$rc $out"

# Several files: every one is handled, and one failure fails the whole.
other_sha=$(sha256sum "$work/src/other.bin" | cut -d' ' -f1)
rm -f "$work/models/"*
out=$(bash "$fetch" "$work/models/a.bin" "$url" "$good" "$work/models/b.bin" \
        "file://$work/src/other.bin" "$other_sha" 2>&1); rc=$?
[ $rc -eq 0 ] && [ -f "$work/models/a.bin" ] && [ -f "$work/models/b.bin" ]
check "fetches several files" $? "rc=$rc $out"
out=$(bash "$fetch" "$work/models/c.bin" "$url" "$bad" "$work/models/d.bin" \
        "file://$work/src/other.bin" "$other_sha" 2>&1); rc=$?
[ $rc -eq 1 ] && [ ! -e "$work/models/c.bin" ] && [ -f "$work/models/d.bin" ]
check "one bad file fails the run, the others still land" $? "rc=$rc $out"

# Two bad files: both are reported (the first failure does not end the run).
out=$(bash "$fetch" "$work/models/e.bin" "$url" "$bad" "$work/models/f.bin" "$url" "$bad" \
        "$work/models/g.bin" "$url" "$good" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"e.bin: the download"* ]] && [[ "$out" == *"f.bin: the download"* ]] && \
  [ -f "$work/models/g.bin" ]
check "every failure is reported and later files still land" $? "rc=$rc $out"

# Bad usage.
bash "$fetch" "$dest" "$url" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ]; check "an incomplete triple is a usage error" $? "rc=$rc"
out=$(bash "$fetch" "$dest" "$url" "not-a-sha" 2>&1); rc=$?
[ $rc -eq 2 ] && [[ "$out" == *"is not a SHA-256"* ]]; check "a malformed sha256 is refused" $? "rc=$rc $out"

# --official names the files the server config reads, with the published digests.
out=$(bash "$fetch" --verify-only --official "$work/official" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"$work/official/ViT-B-16.pt: missing"* ]] && \
  [[ "$out" == *"$work/official/bpe_simple_vocab_16e6.txt.gz: missing"* ]]
check "--official checks ViT-B-16.pt and the BPE file" $? "rc=$rc $out"
if [ -n "${ITACLIP_SHARED_DIR:-}" ] && [ -f "$ITACLIP_SHARED_DIR/reference/clip/bpe_simple_vocab_16e6.txt.gz" ]; then
  mkdir -p "$work/official"
  cp "$ITACLIP_SHARED_DIR/reference/clip/bpe_simple_vocab_16e6.txt.gz" "$work/official/"
  out=$(bash "$fetch" --verify-only --official "$work/official" 2>&1)
  [[ "$out" == *"bpe_simple_vocab_16e6.txt.gz: present, sha256"*verified* ]]
  check "the official BPE digest is that of CLIP's file" $? "$out"
fi

# The entry point: runs the command it is given (flags alone go to itaclip-server); verifies the
# official files first when the server's arguments name them (and fails before the server when
# they are missing), or skips.
mkdir -p "$work/bin"
ln -sf "$fetch" "$work/bin/itaclip-fetch-model"
printf '#!/bin/bash\necho "server ran with: $*"\n' >"$work/bin/itaclip-server"
printf '#!/bin/bash\necho "other ran with: $*"\n' >"$work/bin/other-program"
chmod +x "$work/bin/itaclip-server" "$work/bin/other-program"
empty=$work/empty
official=(--checkpoint "$empty/ViT-B-16.pt" --bpe_vocabulary "$empty/bpe_simple_vocab_16e6.txt.gz")
out=$(PATH=$work/bin:$PATH ITACLIP_MODEL_DIR=$empty bash "$entrypoint" itaclip-server "${official[@]}" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" != *"server ran"* ]] && [[ "$out" == *"ViT-B-16.pt: missing"* ]]
check "entry point stops before the server when the official model is missing" $? "rc=$rc $out"
out=$(PATH=$work/bin:$PATH ITACLIP_MODEL_DIR=$empty bash "$entrypoint" --checkpoint="$empty/ViT-B-16.pt" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" != *"server ran"* ]] && [[ "$out" == *"ViT-B-16.pt: missing"* ]]
check "entry point: flags alone (--flag=value) are the server's, verified too" $? "rc=$rc $out"
out=$(PATH=$work/bin:$PATH ITACLIP_MODEL_DIR=$empty ITACLIP_FETCH_MODEL=skip bash "$entrypoint" \
        itaclip-server "${official[@]}" 2>&1); rc=$?
[ $rc -eq 0 ] && [[ "$out" == "server ran with: ${official[*]}" ]]
check "entry point skips the check with ITACLIP_FETCH_MODEL=skip" $? "rc=$rc $out"
out=$(PATH=$work/bin:$PATH ITACLIP_MODEL_DIR=$empty bash "$entrypoint" itaclip-server --listen x \
        --checkpoint /elsewhere/tiny.safetensors 2>&1); rc=$?
[ $rc -eq 0 ] && [[ "$out" == "server ran with: --listen x --checkpoint /elsewhere/tiny.safetensors" ]]
check "entry point runs itaclip-server with exactly its arguments (another checkpoint)" $? "rc=$rc $out"
out=$(PATH=$work/bin:$PATH ITACLIP_MODEL_DIR=$empty bash "$entrypoint" --listen x 2>&1); rc=$?
[ $rc -eq 0 ] && [[ "$out" == "server ran with: --listen x" ]]
check "entry point gives flags alone to itaclip-server" $? "rc=$rc $out"
mkdir -p "$work/bpe_only"
printf 'not the BPE file\n' >"$work/bpe_only/bpe_simple_vocab_16e6.txt.gz"
out=$(PATH=$work/bin:$PATH ITACLIP_MODEL_DIR=$work/bpe_only bash "$entrypoint" itaclip-server \
        --checkpoint /elsewhere/tiny.safetensors --bpe_vocabulary "$work/bpe_only/bpe_simple_vocab_16e6.txt.gz" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" != *"server ran"* ]] && [[ "$out" == *"bpe_simple_vocab_16e6.txt.gz: sha256 is"* ]] &&
  [[ "$out" != *"ViT-B-16.pt"* ]]
check "entry point checks only the official files named (a wrong BPE file, another checkpoint)" $? "rc=$rc $out"
out=$(bash "$fetch" --verify-only --official "$work/bpe_only" ViT-B-16.pt 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"ViT-B-16.pt: missing"* ]] && [[ "$out" != *"bpe_simple"* ]]
check "--official DIR FILE checks that file only" $? "rc=$rc $out"
out=$(bash "$fetch" --verify-only --official "$work/bpe_only" model.bin 2>&1); rc=$?
[ $rc -eq 2 ] && [[ "$out" == *"model.bin is not an official file"* ]]
check "--official DIR FILE refuses another name" $? "rc=$rc $out"
out=$(PATH=$work/bin:$PATH ITACLIP_MODEL_DIR=$empty bash "$entrypoint" other-program "$empty/ViT-B-16.pt" 2>&1); rc=$?
[ $rc -eq 0 ] && [[ "$out" == "other ran with: $empty/ViT-B-16.pt" ]]
check "entry point runs another command as given, unchecked" $? "rc=$rc $out"
out=$(PATH=$work/bin:$PATH ITACLIP_MODEL_DIR=$empty bash "$entrypoint" sh -c 'echo "pid $$"' 2>&1); rc=$?
[ $rc -eq 0 ] && [[ "$out" =~ ^pid\ [0-9]+$ ]]
check "entry point runs a command with its own arguments" $? "rc=$rc $out"
out=$(PATH=$work/bin:$PATH ITACLIP_MODEL_DIR=$empty ITACLIP_FETCH_MODEL=yes bash "$entrypoint" \
        itaclip-server "${official[@]}" 2>&1); rc=$?
[ $rc -eq 2 ]; check "entry point refuses an unknown ITACLIP_FETCH_MODEL" $? "rc=$rc $out"
# exec: the command replaces the entry point's shell (same PID), so signals reach it.
out=$(PATH=$work/bin:$PATH bash -c 'echo "shell $$"; exec bash "$0" sh -c "echo \"command \$\$\""' \
        "$entrypoint" 2>&1); rc=$?
shell_pid=$(sed -n 's/^shell //p' <<<"$out") command_pid=$(sed -n 's/^command //p' <<<"$out")
[ $rc -eq 0 ] && [ -n "$shell_pid" ] && [ "$shell_pid" = "$command_pid" ]
check "entry point execs the command (same process id)" $? "rc=$rc $out"

echo "$failures failures"
[ "$failures" -eq 0 ]
