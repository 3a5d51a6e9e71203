#include "client/commands/command_flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, model, "",
          "CLIP checkpoint: OpenAI TorchScript .pt, OpenAI-named or Hugging Face safetensors");
ABSL_FLAG(std::string, bpe, "",
          "BPE vocabulary: bpe_simple_vocab_16e6.txt.gz, or a Hugging Face vocab.json/merges.txt "
          "folder");
ABSL_FLAG(std::string, classes, "", "class file: one class per line, names separated by \", \"");
ABSL_FLAG(
    std::string, descriptions, "",
    "optional description file: one `name >=text` line per class (none for a background class)");
ABSL_FLAG(std::string, preset, "voc21",
          "pipeline preset: voc21, context60, coco_object, coco_stuff or cityscapes");
ABSL_FLAG(std::vector<std::string>, set, {},
          "comma-separated preset overrides, e.g. --set=logit_scale=50,prob_thd=0");
ABSL_FLAG(std::string, image, "", "input image (any format OpenCV decodes)");
ABSL_FLAG(std::string, out, "", "output label map PNG (8-bit, 16-bit beyond 256 classes)");
ABSL_FLAG(std::string, scores, "", "optional output: float32 [classes, H, W] NumPy file");
ABSL_FLAG(std::string, overlay, "", "optional output: the image with class colours and a legend");
ABSL_FLAG(std::string, device, "cpu", "cpu, cuda or cuda:N");
ABSL_FLAG(std::string, configs, ITACLIP_DEFAULT_CONFIG_DIR,
          "folder holding presets/ and templates/");
ABSL_FLAG(int, threads, 0, "CPU threads for LibTorch (0: all cores)");
ABSL_FLAG(int, batch_memory_mb, 1024, "activation memory budget of one ViT batch, in MiB");
ABSL_FLAG(bool, quiet, false, "no progress on stderr");
