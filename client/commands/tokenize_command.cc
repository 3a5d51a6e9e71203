#include "client/commands/tokenize_command.h"

#include <cstdio>

#include "absl/strings/str_join.h"
#include "core/common/status_macros.h"
#include "core/pipeline/model_bundle.h"

namespace itaclip::client {

absl::Status RunTokenizeCommand(const TokenizeOptions& options,
                                const std::vector<std::string>& texts) {
  if (options.bpe.empty()) return absl::InvalidArgumentError("--bpe is required");
  if (texts.empty()) return absl::InvalidArgumentError("no TEXT given");
  // A tokenizer-only bundle: no checkpoint, templates or presets.
  pipeline::ModelBundleOptions bundle_options;
  bundle_options.bpe_vocabulary = options.bpe;
  ASSIGN_OR_RETURN(const pipeline::ModelBundle bundle, pipeline::ModelBundle::Load(bundle_options));
  // CLIP's context length; the command has no model to read it from.
  constexpr int kContextLength = 77;
  for (const std::string& t : texts) {
    ASSIGN_OR_RETURN(std::vector<int32_t> ids, bundle.tokenizer->Tokenize(t, kContextLength));
    std::printf("%s\n", absl::StrJoin(ids, " ").c_str());
  }
  return absl::OkStatus();
}

}  // namespace itaclip::client
