// The one place that reads the client's flags: every flag lands in the field of each command's
// options that it names, and the flags' defaults are the options structs' defaults.
#include "client/commands/command_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "client/commands/command_flags.h"
#include "tests/client/default_client_flags.h"

namespace itaclip::client {
namespace {

using ::testing::ElementsAre;

TEST(CommandOptionsTest, TheFlagsDefaultsAreTheStructsDefaults) {
  testing::DefaultClientFlags defaults;
  const ConnectionSettings connection = ConnectionSettingsFromFlags();
  EXPECT_EQ(connection.server, ConnectionSettings().server);
  EXPECT_EQ(connection.timeout_s, ConnectionSettings().timeout_s);
  EXPECT_EQ(connection.max_response_mb, ConnectionSettings().max_response_mb);
  EXPECT_EQ(connection.token_file, "");

  const OfflineModelOptions offline = OfflineModelOptionsFromFlags();
  EXPECT_EQ(offline.device, OfflineModelOptions().device);
  EXPECT_EQ(offline.threads, OfflineModelOptions().threads);
  EXPECT_EQ(offline.batch_memory_mb, OfflineModelOptions().batch_memory_mb);
  EXPECT_FALSE(offline.configs.empty());  // the source tree's configs/, set at build time

  const SegmentRequestOptions request = SegmentRequestOptionsFromFlags();
  EXPECT_EQ(request.score_format, SegmentRequestOptions().score_format);
  EXPECT_FALSE(request.raw_labels);
  EXPECT_FALSE(request.vocabulary.description_weight.has_value());
  EXPECT_EQ(LoadgenOptionsFromFlags().concurrency, LoadgenOptions().concurrency);
  EXPECT_EQ(EvalOptionsFromFlags().concurrency, EvalOptions().concurrency);
  EXPECT_EQ(EvalOptionsFromFlags().limit, EvalOptions().limit);
}

TEST(CommandOptionsTest, EveryFlagLandsInItsField) {
  testing::DefaultClientFlags defaults;
  absl::SetFlag(&FLAGS_model, "m.safetensors");
  absl::SetFlag(&FLAGS_bpe, "bpe.txt.gz");
  absl::SetFlag(&FLAGS_device, "cuda:1");
  absl::SetFlag(&FLAGS_configs, "/etc/configs");
  absl::SetFlag(&FLAGS_threads, 3);
  absl::SetFlag(&FLAGS_batch_memory_mb, 77);
  absl::SetFlag(&FLAGS_classes, "classes.txt");
  absl::SetFlag(&FLAGS_class_names, "a;b");
  absl::SetFlag(&FLAGS_descriptions, "descriptions.txt");
  absl::SetFlag(&FLAGS_background_first, true);
  absl::SetFlag(&FLAGS_description_weight, std::optional<double>(0.3));
  absl::SetFlag(&FLAGS_display_name, "street");
  absl::SetFlag(&FLAGS_vocabulary, "voc-1");
  absl::SetFlag(&FLAGS_definitions, true);
  absl::SetFlag(&FLAGS_preset, "context60");
  absl::SetFlag(&FLAGS_set, std::vector<std::string>{"prob_thd=0.1", "pamr_steps=0"});
  absl::SetFlag(&FLAGS_image, "i.jpg");
  absl::SetFlag(&FLAGS_raw_image_size, "3x2");
  absl::SetFlag(&FLAGS_out, "o.png");
  absl::SetFlag(&FLAGS_scores, "s.npy");
  absl::SetFlag(&FLAGS_score_format, "float32");
  absl::SetFlag(&FLAGS_raw_labels, true);
  absl::SetFlag(&FLAGS_overlay, "v.png");
  absl::SetFlag(&FLAGS_quiet, true);
  absl::SetFlag(&FLAGS_server, "host:1");
  absl::SetFlag(&FLAGS_tls_ca, "ca.pem");
  absl::SetFlag(&FLAGS_tls_client_cert, "cert.pem");
  absl::SetFlag(&FLAGS_tls_client_key, "key.pem");
  absl::SetFlag(&FLAGS_token_file, "token");
  absl::SetFlag(&FLAGS_timeout_s, 9.5);
  absl::SetFlag(&FLAGS_max_response_mb, 12);
  absl::SetFlag(&FLAGS_service, "svc");
  absl::SetFlag(&FLAGS_concurrency, 4);
  absl::SetFlag(&FLAGS_requests, int64_t{50});
  absl::SetFlag(&FLAGS_duration_s, 2.5);
  absl::SetFlag(&FLAGS_data, "/data");
  absl::SetFlag(&FLAGS_layout, "voc_samples");
  absl::SetFlag(&FLAGS_limit, int64_t{8});
  absl::SetFlag(&FLAGS_json, "r.json");
  absl::SetFlag(&FLAGS_cache_dir, "/cache");
  absl::SetFlag(&FLAGS_save_predictions, "/predictions");
  absl::SetFlag(&FLAGS_reduce_zero_label, true);

  const ConnectionSettings connection = ConnectionSettingsFromFlags();
  EXPECT_EQ(connection.server, "host:1");
  EXPECT_EQ(connection.tls_ca, "ca.pem");
  EXPECT_EQ(connection.tls_client_cert, "cert.pem");
  EXPECT_EQ(connection.tls_client_key, "key.pem");
  EXPECT_EQ(connection.token_file, "token");
  EXPECT_EQ(connection.timeout_s, 9.5);
  EXPECT_EQ(connection.max_response_mb, 12);

  const VocabularyOptions vocabulary = VocabularyOptionsFromFlags();
  EXPECT_EQ(vocabulary.classes_file, "classes.txt");
  EXPECT_EQ(vocabulary.class_names, "a;b");
  EXPECT_EQ(vocabulary.descriptions_file, "descriptions.txt");
  EXPECT_TRUE(vocabulary.background_first);
  EXPECT_EQ(vocabulary.description_weight, 0.3);

  EXPECT_EQ(TokenizeOptionsFromFlags().bpe, "bpe.txt.gz");

  const SegmentOptions segment = SegmentOptionsFromFlags();
  EXPECT_EQ(segment.offline.model, "m.safetensors");
  EXPECT_EQ(segment.offline.bpe, "bpe.txt.gz");
  EXPECT_EQ(segment.offline.device, "cuda:1");
  EXPECT_EQ(segment.offline.configs, "/etc/configs");
  EXPECT_EQ(segment.offline.threads, 3);
  EXPECT_EQ(segment.offline.batch_memory_mb, 77);
  EXPECT_EQ(segment.connection.server, "host:1");
  EXPECT_EQ(segment.request.image, "i.jpg");
  EXPECT_EQ(segment.request.raw_image_size, "3x2");
  EXPECT_EQ(segment.request.vocabulary_id, "voc-1");
  EXPECT_EQ(segment.request.vocabulary.classes_file, "classes.txt");
  EXPECT_EQ(segment.request.preset, "context60");
  EXPECT_THAT(segment.request.overrides, ElementsAre("prob_thd=0.1", "pamr_steps=0"));
  EXPECT_TRUE(segment.request.raw_labels);
  EXPECT_EQ(segment.request.score_format, "float32");
  EXPECT_EQ(segment.outputs.out, "o.png");
  EXPECT_EQ(segment.outputs.scores, "s.npy");
  EXPECT_EQ(segment.outputs.overlay, "v.png");
  EXPECT_TRUE(segment.quiet);

  const RegisterOptions register_options = RegisterOptionsFromFlags();
  EXPECT_EQ(register_options.connection.server, "host:1");
  EXPECT_EQ(register_options.vocabulary.class_names, "a;b");
  EXPECT_EQ(register_options.display_name, "street");
  EXPECT_TRUE(register_options.quiet);

  const ListOptions list = ListOptionsFromFlags();
  EXPECT_EQ(list.connection.server, "host:1");
  EXPECT_TRUE(list.definitions);
  EXPECT_EQ(list.vocabulary_id, "voc-1");

  const DeleteOptions delete_options = DeleteOptionsFromFlags();
  EXPECT_EQ(delete_options.connection.server, "host:1");
  EXPECT_EQ(delete_options.vocabulary_id, "voc-1");
  EXPECT_TRUE(delete_options.quiet);

  const HealthOptions health = HealthOptionsFromFlags();
  EXPECT_EQ(health.connection.server, "host:1");
  EXPECT_EQ(health.service, "svc");

  const LoadgenOptions loadgen = LoadgenOptionsFromFlags();
  EXPECT_EQ(loadgen.connection.server, "host:1");
  EXPECT_EQ(loadgen.request.image, "i.jpg");
  EXPECT_EQ(loadgen.concurrency, 4);
  EXPECT_EQ(loadgen.requests, 50);
  EXPECT_EQ(loadgen.duration_s, 2.5);

  const EvalOptions eval = EvalOptionsFromFlags();
  EXPECT_EQ(eval.offline.model, "m.safetensors");
  EXPECT_EQ(eval.offline.configs, "/etc/configs");
  EXPECT_EQ(eval.connection.server, "host:1");
  EXPECT_EQ(eval.preset, "context60");
  EXPECT_EQ(eval.data, "/data");
  EXPECT_EQ(eval.layout, "voc_samples");
  EXPECT_EQ(eval.limit, 8);
  EXPECT_TRUE(eval.reduce_zero_label);
  EXPECT_EQ(eval.vocabulary.classes_file, "classes.txt");
  EXPECT_EQ(eval.vocabulary.descriptions_file, "descriptions.txt");
  EXPECT_EQ(eval.vocabulary_id, "voc-1");
  EXPECT_THAT(eval.overrides, ElementsAre("prob_thd=0.1", "pamr_steps=0"));
  EXPECT_EQ(eval.concurrency, 4);
  EXPECT_EQ(eval.json, "r.json");
  EXPECT_EQ(eval.cache_dir, "/cache");
  EXPECT_EQ(eval.save_predictions, "/predictions");
  EXPECT_TRUE(eval.quiet);
}

}  // namespace
}  // namespace itaclip::client
