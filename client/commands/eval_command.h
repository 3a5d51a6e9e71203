// `itaclip eval`: segments a dataset's images (in-process with --model, or through itaclip-server)
// and reports the mIoU of spec §7 with a per-class table, as text on stdout and optionally JSON.
#ifndef ITACLIP_CLIENT_COMMANDS_EVAL_COMMAND_H_
#define ITACLIP_CLIENT_COMMANDS_EVAL_COMMAND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/commands/segment_options.h"
#include "client/commands/vocabulary_input.h"
#include "client/connection/channel_factory.h"

namespace itaclip::client {

struct EvalOptions {
  OfflineModelOptions offline;     // in-process with offline.model; its configs folder either way
  ConnectionSettings connection;   // without offline.model
  std::string preset;              // --preset (required)
  std::string data;                // --data ROOT (required)
  std::string layout;              // --layout (empty: the one named like the preset)
  int64_t limit = 0;               // --limit: the first N images (0: all)
  bool reduce_zero_label = false;  // --reduce_zero_label
  // --classes (default: configs/classes/PRESET.txt) and --descriptions; --class_names is refused.
  VocabularyOptions vocabulary;
  std::string vocabulary_id;           // --vocabulary: a registered one (with a server)
  std::vector<std::string> overrides;  // --set
  int concurrency = 1;                 // --concurrency: images in flight (above 1 needs a server)
  std::string json;                    // --json: also write the result here
  std::string cache_dir;               // --cache_dir
  std::string save_predictions;        // --save_predictions DIR
  bool quiet = false;                  // --quiet
};

// The flags behind `options`: --preset (required), --data ROOT (required), --layout, --classes
// (default configs/classes/PRESET.txt), --descriptions, --set, --limit, --json, --cache_dir,
// --save_predictions, --reduce_zero_label, --quiet; in-process: --model, --bpe, --device,
// --threads, --batch_memory_mb, --configs; through a server (no --model): the connection flags,
// --vocabulary ID (instead of the class file), --concurrency. Errors: the flags'
// (INVALID_ARGUMENT), the dataset's (NOT_FOUND naming a missing folder or file), the model's, the
// server's, and the first image that fails, named.
absl::Status RunEvalCommand(const EvalOptions& options);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_COMMANDS_EVAL_COMMAND_H_
