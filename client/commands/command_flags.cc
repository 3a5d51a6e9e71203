#include "client/commands/command_flags.h"

#include <cstdint>

#include "absl/flags/flag.h"
#include "client/commands/eval_command.h"
#include "client/commands/loadgen_command.h"
#include "client/commands/segment_options.h"
#include "client/commands/segment_request.h"
#include "client/connection/channel_factory.h"

// The test suites link the client and the server libraries together, and abseil allows one flag
// per name in a process: no name here may also be one of server/config/server_flags.cc's.
// Defaults that are not empty come from the options structs the flags fill
// (command_options.h), so that a struct built in code behaves as the command does.

// Offline segmentation and tokenisation (core in-process).
ABSL_FLAG(std::string, model, "",
          "CLIP checkpoint: OpenAI TorchScript .pt, OpenAI-named or Hugging Face safetensors. "
          "With it `segment` runs offline; without it `segment` asks --server");
ABSL_FLAG(std::string, bpe, "",
          "BPE vocabulary: bpe_simple_vocab_16e6.txt.gz, or a Hugging Face vocab.json/merges.txt "
          "folder");
ABSL_FLAG(std::string, device, itaclip::client::OfflineModelOptions().device,
          "offline: cpu, cuda or cuda:N");
ABSL_FLAG(std::string, configs, ITACLIP_DEFAULT_CONFIG_DIR,
          "offline: folder holding presets/ and templates/");
ABSL_FLAG(int, threads, 0, "offline: CPU threads for LibTorch (0: the CPUs this process may use)");
ABSL_FLAG(int, batch_memory_mb, itaclip::client::OfflineModelOptions().batch_memory_mb,
          "offline: activation memory budget of one ViT batch, in MiB");

// Vocabularies (offline and remote).
ABSL_FLAG(std::string, classes, "", "class file: one class per line, names separated by \", \"");
ABSL_FLAG(std::string, class_names, "",
          "inline classes instead of --classes: ';' separates classes, ',' separates the names of "
          "a class, e.g. \"background;person, man;car, automobile\"");
ABSL_FLAG(
    std::string, descriptions, "",
    "optional description file: one `name >=text` line per class (none for a background class)");
ABSL_FLAG(bool, background_first, false,
          "server vocabularies: class 0 is background (offline, the preset decides)");
ABSL_FLAG(std::optional<double>, description_weight, std::nullopt,
          "server vocabularies: weight of the descriptions in [0, 1] (unset: the server's 0.05)");
ABSL_FLAG(std::string, display_name, "", "register: a human-readable name shown by `list`");
ABSL_FLAG(std::string, vocabulary, "",
          "id of a registered vocabulary (segment, loadgen, delete; list shows only this one)");
ABSL_FLAG(bool, definitions, false, "list: also print each vocabulary's classes");

// Segmentation inputs and outputs.
ABSL_FLAG(std::string, preset, "",
          "pipeline preset: voc21, context60, coco_object, coco_stuff or cityscapes (empty: voc21 "
          "offline, the server's default preset remotely)");
ABSL_FLAG(std::vector<std::string>, set, {},
          "comma-separated preset overrides, e.g. --set=logit_scale=50,prob_thd=0");
ABSL_FLAG(std::string, image, "", "input image (any format OpenCV decodes)");
ABSL_FLAG(
    std::string, raw_image_size, "",
    "remote: WIDTHxHEIGHT when --image holds raw BGR pixels (WIDTH*HEIGHT*3 bytes, row-major), "
    "sent as raw_image: nothing is decoded on either side");
ABSL_FLAG(std::string, out, "", "output label map PNG (8-bit, 16-bit beyond 256 classes)");
ABSL_FLAG(std::string, scores, "", "optional output: float32 [classes, H, W] NumPy file");
ABSL_FLAG(std::string, score_format, itaclip::client::SegmentRequestOptions().score_format,
          "remote: how the server sends --scores, float16 (half the bytes) or float32");
ABSL_FLAG(
    bool, raw_labels, false,
    "remote: ask for raw label bytes instead of a PNG (the file written is a PNG either way)");
ABSL_FLAG(std::string, overlay, "", "optional output: the image with class colours and a legend");
ABSL_FLAG(bool, quiet, false, "no progress, timings or class counts on stderr");

// Connection to itaclip-server.
ABSL_FLAG(std::string, server, itaclip::client::ConnectionSettings().server,
          "itaclip-server address, host:port");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA bundle that signed the server's certificate; when set, the connection uses TLS");
ABSL_FLAG(std::string, tls_client_cert, "",
          "PEM client certificate chain for mutual TLS (with --tls_client_key)");
ABSL_FLAG(std::string, tls_client_key, "", "PEM private key of --tls_client_cert");
ABSL_FLAG(std::string, token_file, "",
          "file holding the bearer token sent on every call (default: $ITACLIP_TOKEN, if set)");
ABSL_FLAG(double, timeout_s, itaclip::client::ConnectionSettings().timeout_s,
          "deadline of each call, in seconds");
ABSL_FLAG(int, max_response_mb, itaclip::client::ConnectionSettings().max_response_mb,
          "largest answer accepted, in MiB (scores of large images exceed gRPC's 4 MiB default)");

// `health` and `loadgen`.
ABSL_FLAG(std::string, service, "",
          "health: the service to check (empty: the server as a whole; or "
          "itaclip.v1.SegmentationService)");
ABSL_FLAG(int, concurrency, itaclip::client::LoadgenOptions().concurrency,
          "loadgen, eval --server: requests in flight at once (one thread each)");
ABSL_FLAG(int64_t, requests, 0, "loadgen: stop after this many requests (or give --duration_s)");
ABSL_FLAG(double, duration_s, 0, "loadgen: stop sending after this many seconds");

// `eval`.
ABSL_FLAG(std::string, data, "",
          "eval: the dataset's root folder (e.g. VOCdevkit/VOC2012; see README.md, \"Evaluating "
          "on the datasets\")");
ABSL_FLAG(std::string, layout, "",
          "eval: the dataset's folder layout: voc21, context60, coco_object, coco_stuff, "
          "cityscapes or voc_samples (empty: the one named like --preset)");
ABSL_FLAG(int64_t, limit, 0, "eval: only the first N images of the split (0: all)");
ABSL_FLAG(std::string, json, "", "eval: also write the result as JSON to this file");
ABSL_FLAG(std::string, cache_dir, "",
          "eval: keep each image's counts here, keyed by a hash of the settings, so that a rerun "
          "resumes");
ABSL_FLAG(std::string, save_predictions, "",
          "eval: write each segmented image's label map to DIR/<image id>.png");
ABSL_FLAG(bool, reduce_zero_label, false,
          "eval: ignore ground-truth label 0 and shift the others down by one (mmseg's "
          "reduce_zero_label; none of the five ITACLIP datasets uses it)");
