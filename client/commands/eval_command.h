// `itaclip eval`: segments a dataset's images (in-process with --model, or through itaclip-server)
// and reports the mIoU of spec §7 with a per-class table, as text on stdout and optionally JSON.
#ifndef ITACLIP_CLIENT_COMMANDS_EVAL_COMMAND_H_
#define ITACLIP_CLIENT_COMMANDS_EVAL_COMMAND_H_

#include "absl/status/status.h"

namespace itaclip::client {

// Flags: --preset (required), --data ROOT (required), --layout, --classes (default
// configs/classes/PRESET.txt), --descriptions, --set, --limit, --json, --cache_dir,
// --save_predictions, --reduce_zero_label, --quiet; in-process: --model, --bpe, --device,
// --threads, --batch_memory_mb, --configs; through a server (no --model): the connection flags,
// --vocabulary ID (instead of the class file), --concurrency. Errors: the flags'
// (INVALID_ARGUMENT), the dataset's (NOT_FOUND naming a missing folder or file), the model's, the
// server's, and the first image that fails, named.
absl::Status RunEvalCommand();

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_COMMANDS_EVAL_COMMAND_H_
