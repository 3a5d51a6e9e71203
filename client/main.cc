// The `itaclip` command: dispatches to its subcommands.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "client/commands/segment_command.h"
#include "client/commands/tokenize_command.h"

namespace {

constexpr char kUsage[] =
    "usage:\n"
    "  itaclip segment --model CKPT --bpe VOCAB --classes FILE [--descriptions FILE] "
    "--preset NAME\n"
    "                  --image IMG --out LABELS.png [--scores SCORES.npy] [--overlay OVERLAY.png]\n"
    "                  [--device cpu|cuda] [--set key=value,...]\n"
    "  itaclip tokenize --bpe VOCAB TEXT...\n"
    "Run `itaclip --help` for every flag.";

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) {
    std::fprintf(stderr, "%s\n", kUsage);
    return 2;
  }
  const std::string command = args[1];
  absl::Status status;
  if (command == "segment" && args.size() == 2) {
    status = itaclip::client::RunSegmentCommand();
  } else if (command == "tokenize") {
    status =
        itaclip::client::RunTokenizeCommand(std::vector<std::string>(args.begin() + 2, args.end()));
  } else {
    std::fprintf(stderr, "itaclip: unknown command or stray arguments\n%s\n", kUsage);
    return 2;
  }
  if (!status.ok()) {
    std::fprintf(stderr, "itaclip %s: %s\n", command.c_str(),
                 std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
