// The one place that reads the `itaclip` command's flags (command_flags.h): each subcommand's
// options struct is filled here, once, in main.cc, and passed down; nothing below reads a flag.
// These functions only copy values: every check (and its message naming the flag) stays with the
// code that uses the value.
#ifndef ITACLIP_CLIENT_COMMANDS_COMMAND_OPTIONS_H_
#define ITACLIP_CLIENT_COMMANDS_COMMAND_OPTIONS_H_

#include "client/commands/eval_command.h"
#include "client/commands/health_command.h"
#include "client/commands/loadgen_command.h"
#include "client/commands/segment_options.h"
#include "client/commands/segment_request.h"
#include "client/commands/tokenize_command.h"
#include "client/commands/vocabulary_commands.h"
#include "client/commands/vocabulary_input.h"
#include "client/connection/channel_factory.h"

namespace itaclip::client {

// The shared pieces.
ConnectionSettings ConnectionSettingsFromFlags();
VocabularyOptions VocabularyOptionsFromFlags();
OfflineModelOptions OfflineModelOptionsFromFlags();
SegmentRequestOptions SegmentRequestOptionsFromFlags();

// One per subcommand.
TokenizeOptions TokenizeOptionsFromFlags();
SegmentOptions SegmentOptionsFromFlags();
RegisterOptions RegisterOptionsFromFlags();
ListOptions ListOptionsFromFlags();
DeleteOptions DeleteOptionsFromFlags();
HealthOptions HealthOptionsFromFlags();
LoadgenOptions LoadgenOptionsFromFlags();
EvalOptions EvalOptionsFromFlags();

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_COMMANDS_COMMAND_OPTIONS_H_
