// The command-line flags of the `itaclip` command, defined once in command_flags.cc.
#ifndef ITACLIP_CLIENT_COMMANDS_COMMAND_FLAGS_H_
#define ITACLIP_CLIENT_COMMANDS_COMMAND_FLAGS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/flags/declare.h"

// Offline segmentation and tokenisation (core in-process).
ABSL_DECLARE_FLAG(std::string, model);
ABSL_DECLARE_FLAG(std::string, bpe);
ABSL_DECLARE_FLAG(std::string, device);
ABSL_DECLARE_FLAG(std::string, configs);
ABSL_DECLARE_FLAG(int, threads);
ABSL_DECLARE_FLAG(int, batch_memory_mb);

// Vocabularies (offline and remote).
ABSL_DECLARE_FLAG(std::string, classes);
ABSL_DECLARE_FLAG(std::string, class_names);
ABSL_DECLARE_FLAG(std::string, descriptions);
ABSL_DECLARE_FLAG(bool, background_first);
ABSL_DECLARE_FLAG(std::optional<double>, description_weight);
ABSL_DECLARE_FLAG(std::string, display_name);
ABSL_DECLARE_FLAG(std::string, vocabulary);
ABSL_DECLARE_FLAG(bool, definitions);

// Segmentation inputs and outputs.
ABSL_DECLARE_FLAG(std::string, preset);
ABSL_DECLARE_FLAG(std::vector<std::string>, set);
ABSL_DECLARE_FLAG(std::string, image);
ABSL_DECLARE_FLAG(std::string, raw_image_size);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(std::string, scores);
ABSL_DECLARE_FLAG(std::string, score_format);
ABSL_DECLARE_FLAG(bool, raw_labels);
ABSL_DECLARE_FLAG(std::string, overlay);
ABSL_DECLARE_FLAG(bool, quiet);

// Connection to itaclip-server.
ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(std::string, tls_ca);
ABSL_DECLARE_FLAG(std::string, tls_client_cert);
ABSL_DECLARE_FLAG(std::string, tls_client_key);
ABSL_DECLARE_FLAG(std::string, token_file);
ABSL_DECLARE_FLAG(double, timeout_s);
ABSL_DECLARE_FLAG(int, max_response_mb);

// `health` and `loadgen`.
ABSL_DECLARE_FLAG(std::string, service);
ABSL_DECLARE_FLAG(int, concurrency);
ABSL_DECLARE_FLAG(int64_t, requests);
ABSL_DECLARE_FLAG(double, duration_s);

// `eval`.
ABSL_DECLARE_FLAG(std::string, data);
ABSL_DECLARE_FLAG(std::string, layout);
ABSL_DECLARE_FLAG(int64_t, limit);
ABSL_DECLARE_FLAG(std::string, json);
ABSL_DECLARE_FLAG(std::string, cache_dir);
ABSL_DECLARE_FLAG(std::string, save_predictions);
ABSL_DECLARE_FLAG(bool, reduce_zero_label);

#endif  // ITACLIP_CLIENT_COMMANDS_COMMAND_FLAGS_H_
