// `itaclip segment`: with --model, segments one image in-process (no server) and writes the label
// map, and on request the scores and an overlay; without --model, hands over to the remote command.
#ifndef ITACLIP_CLIENT_COMMANDS_SEGMENT_COMMAND_H_
#define ITACLIP_CLIENT_COMMANDS_SEGMENT_COMMAND_H_

#include "absl/status/status.h"

namespace itaclip::client {

// Offline when --model is given, else RunRemoteSegmentCommand().
absl::Status RunSegmentCommand();

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_COMMANDS_SEGMENT_COMMAND_H_
