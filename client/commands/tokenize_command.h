// `itaclip tokenize --bpe VOCAB TEXT...`: prints one line of CLIP token ids per text (with the
// start and end tokens, without padding).
#ifndef ITACLIP_CLIENT_COMMANDS_TOKENIZE_COMMAND_H_
#define ITACLIP_CLIENT_COMMANDS_TOKENIZE_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace itaclip::client {

struct TokenizeOptions {
  std::string bpe;  // --bpe: the BPE vocabulary (required)
};

absl::Status RunTokenizeCommand(const TokenizeOptions& options,
                                const std::vector<std::string>& texts);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_COMMANDS_TOKENIZE_COMMAND_H_
