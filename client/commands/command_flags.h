// The command-line flags of the `itaclip` command, defined once in command_flags.cc.
#ifndef ITACLIP_CLIENT_COMMANDS_COMMAND_FLAGS_H_
#define ITACLIP_CLIENT_COMMANDS_COMMAND_FLAGS_H_

#include <string>
#include <vector>

#include "absl/flags/declare.h"

ABSL_DECLARE_FLAG(std::string, model);
ABSL_DECLARE_FLAG(std::string, bpe);
ABSL_DECLARE_FLAG(std::string, classes);
ABSL_DECLARE_FLAG(std::string, descriptions);
ABSL_DECLARE_FLAG(std::string, preset);
ABSL_DECLARE_FLAG(std::vector<std::string>, set);
ABSL_DECLARE_FLAG(std::string, image);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(std::string, scores);
ABSL_DECLARE_FLAG(std::string, overlay);
ABSL_DECLARE_FLAG(std::string, device);
ABSL_DECLARE_FLAG(std::string, configs);
ABSL_DECLARE_FLAG(int, threads);
ABSL_DECLARE_FLAG(int, batch_memory_mb);
ABSL_DECLARE_FLAG(bool, quiet);

#endif  // ITACLIP_CLIENT_COMMANDS_COMMAND_FLAGS_H_
