// `itaclip segment` without --model: sends one image to itaclip-server and writes the label map,
// and on request the scores and an overlay; timings and class pixel counts go to stderr.
#ifndef ITACLIP_CLIENT_COMMANDS_REMOTE_SEGMENT_COMMAND_H_
#define ITACLIP_CLIENT_COMMANDS_REMOTE_SEGMENT_COMMAND_H_

#include "absl/status/status.h"

namespace itaclip::client {

// Flags: --server and the other connection flags (channel_factory.h), --image, --vocabulary ID or
// --classes / --class_names (segment_request.h), --preset, --set, --raw_labels, --out (required),
// --scores with --score_format, --overlay, --quiet. Errors: the flags' and files' errors, the
// call's gRPC status (named: "UNAVAILABLE: ..."), and INVALID_ARGUMENT for an answer that does not
// fit together (label map size, scores missing or malformed, labels beyond the class names).
absl::Status RunRemoteSegmentCommand();

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_COMMANDS_REMOTE_SEGMENT_COMMAND_H_
