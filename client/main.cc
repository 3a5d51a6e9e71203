// The `itaclip` command: dispatches to its subcommands and reports an error as one line.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "client/commands/command_options.h"
#include "client/commands/eval_command.h"
#include "client/commands/health_command.h"
#include "client/commands/loadgen_command.h"
#include "client/commands/segment_command.h"
#include "client/commands/tokenize_command.h"
#include "client/commands/vocabulary_commands.h"

namespace {

constexpr char kUsage[] =
    "usage:\n"
    "offline (core in-process):\n"
    "  itaclip segment --model CKPT --bpe VOCAB --classes FILE [--descriptions FILE] "
    "[--preset NAME]\n"
    "                  --image IMG --out LABELS.png [--scores SCORES.npy] [--overlay OVERLAY.png]\n"
    "                  [--device cpu|cuda] [--set key=value,...]\n"
    "  itaclip tokenize --bpe VOCAB TEXT...\n"
    "dataset evaluation (mIoU), in-process with --model or through --server:\n"
    "  itaclip eval --preset NAME --data ROOT [--model CKPT --bpe VOCAB] [--descriptions FILE]\n"
    "               [--layout NAME] [--limit N] [--json OUT.json] [--cache_dir DIR]\n"
    "               [--save_predictions DIR] [--set key=value,...] [--concurrency N]\n"
    "with itaclip-server (connection: --server HOST:PORT [--tls_ca PEM]\n"
    "    [--tls_client_cert PEM --tls_client_key PEM] [--token_file FILE] [--timeout_s S]):\n"
    "  itaclip register (--classes FILE | --class_names \"a;b, b2;c\") [--descriptions FILE]\n"
    "                   [--background_first] [--description_weight W] [--display_name NAME]\n"
    "  itaclip list [--definitions] [--vocabulary ID]\n"
    "  itaclip delete --vocabulary ID\n"
    "  itaclip segment --image IMG (--vocabulary ID | --classes FILE | --class_names LIST)\n"
    "                  --out LABELS.png [--scores SCORES.npy [--score_format float16|float32]]\n"
    "                  [--overlay OVERLAY.png] [--preset NAME] [--set key=value,...] "
    "[--raw_labels]\n"
    "                  [--raw_image_size WxH: IMG is raw BGR pixels, sent undecoded]\n"
    "  itaclip health [--service NAME]\n"
    "  itaclip loadgen --image IMG [--raw_image_size WxH] (--vocabulary ID | --classes FILE |\n"
    "                  --class_names LIST) [--preset NAME] [--raw_labels]\n"
    "                  --concurrency N (--requests M | --duration_s S)\n"
    "Run `itaclip --help` for every flag.";

// The message on one line, whatever the server or a library put in it.
std::string OneLine(absl::string_view message) {
  std::string line(message);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) {
    std::fprintf(stderr, "%s\n", kUsage);
    return 2;
  }
  const std::string command = args[1];
  const bool no_operands = args.size() == 2;
  namespace client = itaclip::client;
  absl::Status status;
  if (command == "tokenize") {
    status = client::RunTokenizeCommand(client::TokenizeOptionsFromFlags(),
                                        std::vector<std::string>(args.begin() + 2, args.end()));
  } else if (command == "segment" && no_operands) {
    status = client::RunSegmentCommand(client::SegmentOptionsFromFlags());
  } else if (command == "register" && no_operands) {
    status = client::RunRegisterCommand(client::RegisterOptionsFromFlags());
  } else if (command == "list" && no_operands) {
    status = client::RunListCommand(client::ListOptionsFromFlags());
  } else if (command == "delete" && no_operands) {
    status = client::RunDeleteCommand(client::DeleteOptionsFromFlags());
  } else if (command == "eval" && no_operands) {
    status = client::RunEvalCommand(client::EvalOptionsFromFlags());
  } else if (command == "health" && no_operands) {
    status = client::RunHealthCommand(client::HealthOptionsFromFlags());
  } else if (command == "loadgen" && no_operands) {
    status = client::RunLoadgenCommand(client::LoadgenOptionsFromFlags());
  } else {
    std::fprintf(stderr, "itaclip: unknown command or stray arguments\n%s\n", kUsage);
    return 2;
  }
  if (!status.ok()) {
    std::fprintf(stderr, "itaclip: %s\n", OneLine(status.message()).c_str());
    return 1;
  }
  return 0;
}
