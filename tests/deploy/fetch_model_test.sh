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

# The entry point: verifies (and fails before the server when the model is missing), or skips.
mkdir -p "$work/bin"
ln -sf "$fetch" "$work/bin/itaclip-fetch-model"
printf '#!/bin/bash\necho "server ran with: $*"\n' >"$work/bin/itaclip-server"
chmod +x "$work/bin/itaclip-server"
out=$(PATH=$work/bin:$PATH ITACLIP_MODEL_DIR=$work/empty bash "$entrypoint" --listen x 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" != *"server ran"* ]] && [[ "$out" == *"ViT-B-16.pt: missing"* ]]
check "entry point stops before the server when the model is missing" $? "rc=$rc $out"
out=$(PATH=$work/bin:$PATH ITACLIP_FETCH_MODEL=skip bash "$entrypoint" --listen x 2>&1); rc=$?
[ $rc -eq 0 ] && [[ "$out" == "server ran with: --listen x" ]]
check "entry point passes its arguments to the server" $? "rc=$rc $out"
out=$(PATH=$work/bin:$PATH ITACLIP_FETCH_MODEL=yes bash "$entrypoint" 2>&1); rc=$?
[ $rc -eq 2 ]; check "entry point refuses an unknown ITACLIP_FETCH_MODEL" $? "rc=$rc $out"

echo "$failures failures"
[ "$failures" -eq 0 ]
