// The options of `itaclip segment` (offline with --model, otherwise through --server), and the
// offline model settings it shares with `itaclip eval`. Filled from the flags by
// command_options.h; the defaults here are the flags' defaults.
#ifndef ITACLIP_CLIENT_COMMANDS_SEGMENT_OPTIONS_H_
#define ITACLIP_CLIENT_COMMANDS_SEGMENT_OPTIONS_H_

#include <string>

#include "client/commands/segment_request.h"
#include "client/connection/channel_factory.h"

namespace itaclip::client {

// The model run in-process.
struct OfflineModelOptions {
  std::string model;           // --model: the checkpoint; empty: ask the server instead
  std::string bpe;             // --bpe
  std::string device = "cpu";  // --device
  std::string configs;         // --configs: presets/, templates/ and classes/
  int threads = 0;             // --threads (0: the CPUs this process may use)
  int batch_memory_mb = 1024;  // --batch_memory_mb: activation budget of one ViT batch
};

// Where the results go.
struct SegmentOutputOptions {
  std::string out;      // --out: the label map PNG (required)
  std::string scores;   // --scores: float32 [classes, H, W] NumPy file; empty: none
  std::string overlay;  // --overlay: empty: none
};

struct SegmentOptions {
  OfflineModelOptions offline;
  ConnectionSettings connection;  // without --model
  // The image, vocabulary, preset and --set; offline uses the class and description files of
  // `request.vocabulary` with the preset's background_first.
  SegmentRequestOptions request;
  SegmentOutputOptions outputs;
  bool quiet = false;  // --quiet: no progress, timings or class counts on stderr
};

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_COMMANDS_SEGMENT_OPTIONS_H_
