// `itaclip segment`: with --model, segments one image in-process (no server) and writes the label
// map, and on request the scores and an overlay; without --model, hands over to the remote command.
#ifndef ITACLIP_CLIENT_COMMANDS_SEGMENT_COMMAND_H_
#define ITACLIP_CLIENT_COMMANDS_SEGMENT_COMMAND_H_

#include "absl/status/status.h"
#include "client/commands/segment_options.h"

namespace itaclip::client {

// Offline when options.offline.model is given, else RunRemoteSegmentCommand(options).
absl::Status RunSegmentCommand(const SegmentOptions& options);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_COMMANDS_SEGMENT_COMMAND_H_
