// `itaclip segment` without --model: sends one image to itaclip-server and writes the label map,
// and on request the scores and an overlay; timings and class pixel counts go to stderr.
#ifndef ITACLIP_CLIENT_COMMANDS_REMOTE_SEGMENT_COMMAND_H_
#define ITACLIP_CLIENT_COMMANDS_REMOTE_SEGMENT_COMMAND_H_

#include "absl/status/status.h"
#include "client/commands/segment_options.h"

namespace itaclip::client {

// Uses options.connection (channel_factory.h), options.request (segment_request.h: --image,
// --vocabulary ID or --classes / --class_names, --preset, --set, --raw_labels, --score_format),
// options.outputs (--out, required; --scores, --overlay) and --quiet; not options.offline. Errors:
// the flags' and files' errors, the call's gRPC status (named: "UNAVAILABLE: ..."), and
// INVALID_ARGUMENT for an answer that does not fit together (label map size, scores missing or
// malformed, labels beyond the class names).
absl::Status RunRemoteSegmentCommand(const SegmentOptions& options);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_COMMANDS_REMOTE_SEGMENT_COMMAND_H_
