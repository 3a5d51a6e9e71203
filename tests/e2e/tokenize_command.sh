#!/bin/bash
# `itaclip tokenize` prints the ids of the reference tokenizer for a few of the shared vectors.
set -euo pipefail
itaclip=$1
shared=${ITACLIP_SHARED_DIR:?}
bpe=$shared/reference/clip/bpe_simple_vocab_16e6.txt.gz
# Expected ids: spec §2 gives "a</w>" = 320, and start/end of text 49406/49407.
out=$("$itaclip" tokenize --bpe "$bpe" "a" "A  a")
expected=$'49406 320 49407\n49406 320 320 49407'
if [ "$out" != "$expected" ]; then
  echo "unexpected tokenize output:"; echo "$out"; exit 1
fi
# Every vector of the shared file, through the command.
"${ITACLIP_PYTHON:?}" - "$itaclip" "$bpe" "$shared/reference/clip/tokenizer_test_vectors.jsonl" <<'PY'
import json, subprocess, sys
itaclip, bpe, path = sys.argv[1:]
cases = [json.loads(line) for line in open(path) if line.strip()]
out = subprocess.run([itaclip, "tokenize", "--bpe", bpe, "--"] + [c["text"] for c in cases],
                     check=True, capture_output=True, text=True).stdout.splitlines()
assert len(out) == len(cases), (len(out), len(cases))
bad = [c["text"] for c, line in zip(cases, out) if [int(v) for v in line.split()] != c["ids"]]
assert not bad, bad
print(f"{len(cases)} vectors match")
PY
# Too long for the context: a clear error, non-zero exit.
if "$itaclip" tokenize --bpe "$bpe" "$(printf 'word %.0s' $(seq 80))" 2>/dev/null; then
  echo "a text of 80 words should not fit 77 tokens"; exit 1
fi
echo "tokenize command ok"
