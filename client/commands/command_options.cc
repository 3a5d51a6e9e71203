#include "client/commands/command_options.h"

#include "absl/flags/flag.h"
#include "client/commands/command_flags.h"

namespace itaclip::client {

ConnectionSettings ConnectionSettingsFromFlags() {
  ConnectionSettings settings;
  settings.server = absl::GetFlag(FLAGS_server);
  settings.tls_ca = absl::GetFlag(FLAGS_tls_ca);
  settings.tls_client_cert = absl::GetFlag(FLAGS_tls_client_cert);
  settings.tls_client_key = absl::GetFlag(FLAGS_tls_client_key);
  settings.token_file = absl::GetFlag(FLAGS_token_file);
  settings.timeout_s = absl::GetFlag(FLAGS_timeout_s);
  settings.max_response_mb = absl::GetFlag(FLAGS_max_response_mb);
  return settings;
}

VocabularyOptions VocabularyOptionsFromFlags() {
  VocabularyOptions options;
  options.classes_file = absl::GetFlag(FLAGS_classes);
  options.class_names = absl::GetFlag(FLAGS_class_names);
  options.descriptions_file = absl::GetFlag(FLAGS_descriptions);
  options.background_first = absl::GetFlag(FLAGS_background_first);
  options.description_weight = absl::GetFlag(FLAGS_description_weight);
  return options;
}

OfflineModelOptions OfflineModelOptionsFromFlags() {
  OfflineModelOptions options;
  options.model = absl::GetFlag(FLAGS_model);
  options.bpe = absl::GetFlag(FLAGS_bpe);
  options.device = absl::GetFlag(FLAGS_device);
  options.configs = absl::GetFlag(FLAGS_configs);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.batch_memory_mb = absl::GetFlag(FLAGS_batch_memory_mb);
  return options;
}

SegmentRequestOptions SegmentRequestOptionsFromFlags() {
  SegmentRequestOptions options;
  options.image = absl::GetFlag(FLAGS_image);
  options.raw_image_size = absl::GetFlag(FLAGS_raw_image_size);
  options.vocabulary_id = absl::GetFlag(FLAGS_vocabulary);
  options.vocabulary = VocabularyOptionsFromFlags();
  options.preset = absl::GetFlag(FLAGS_preset);
  options.overrides = absl::GetFlag(FLAGS_set);
  options.raw_labels = absl::GetFlag(FLAGS_raw_labels);
  options.score_format = absl::GetFlag(FLAGS_score_format);
  return options;
}

TokenizeOptions TokenizeOptionsFromFlags() {
  TokenizeOptions options;
  options.bpe = absl::GetFlag(FLAGS_bpe);
  return options;
}

SegmentOptions SegmentOptionsFromFlags() {
  SegmentOptions options;
  options.offline = OfflineModelOptionsFromFlags();
  options.connection = ConnectionSettingsFromFlags();
  options.request = SegmentRequestOptionsFromFlags();
  options.outputs.out = absl::GetFlag(FLAGS_out);
  options.outputs.scores = absl::GetFlag(FLAGS_scores);
  options.outputs.overlay = absl::GetFlag(FLAGS_overlay);
  options.quiet = absl::GetFlag(FLAGS_quiet);
  return options;
}

RegisterOptions RegisterOptionsFromFlags() {
  RegisterOptions options;
  options.connection = ConnectionSettingsFromFlags();
  options.vocabulary = VocabularyOptionsFromFlags();
  options.display_name = absl::GetFlag(FLAGS_display_name);
  options.quiet = absl::GetFlag(FLAGS_quiet);
  return options;
}

ListOptions ListOptionsFromFlags() {
  ListOptions options;
  options.connection = ConnectionSettingsFromFlags();
  options.definitions = absl::GetFlag(FLAGS_definitions);
  options.vocabulary_id = absl::GetFlag(FLAGS_vocabulary);
  return options;
}

DeleteOptions DeleteOptionsFromFlags() {
  DeleteOptions options;
  options.connection = ConnectionSettingsFromFlags();
  options.vocabulary_id = absl::GetFlag(FLAGS_vocabulary);
  options.quiet = absl::GetFlag(FLAGS_quiet);
  return options;
}

HealthOptions HealthOptionsFromFlags() {
  HealthOptions options;
  options.connection = ConnectionSettingsFromFlags();
  options.service = absl::GetFlag(FLAGS_service);
  return options;
}

LoadgenOptions LoadgenOptionsFromFlags() {
  LoadgenOptions options;
  options.connection = ConnectionSettingsFromFlags();
  options.request = SegmentRequestOptionsFromFlags();
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.requests = absl::GetFlag(FLAGS_requests);
  options.duration_s = absl::GetFlag(FLAGS_duration_s);
  return options;
}

EvalOptions EvalOptionsFromFlags() {
  EvalOptions options;
  options.offline = OfflineModelOptionsFromFlags();
  options.connection = ConnectionSettingsFromFlags();
  options.preset = absl::GetFlag(FLAGS_preset);
  options.data = absl::GetFlag(FLAGS_data);
  options.layout = absl::GetFlag(FLAGS_layout);
  options.limit = absl::GetFlag(FLAGS_limit);
  options.reduce_zero_label = absl::GetFlag(FLAGS_reduce_zero_label);
  options.vocabulary = VocabularyOptionsFromFlags();
  options.vocabulary_id = absl::GetFlag(FLAGS_vocabulary);
  options.overrides = absl::GetFlag(FLAGS_set);
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.json = absl::GetFlag(FLAGS_json);
  options.cache_dir = absl::GetFlag(FLAGS_cache_dir);
  options.save_predictions = absl::GetFlag(FLAGS_save_predictions);
  options.quiet = absl::GetFlag(FLAGS_quiet);
  return options;
}

}  // namespace itaclip::client
