// The text that names every setting an evaluation's per-image results depend on. Its hash is the
// cache key (result_cache.h), and it is stored beside the cached results, so a changed model,
// preset value, override, vocabulary or dataset never reuses stale counts.
#ifndef ITACLIP_CLIENT_EVAL_EVAL_SETTINGS_H_
#define ITACLIP_CLIENT_EVAL_EVAL_SETTINGS_H_

#include <map>
#include <string>

#include "core/pipeline/pipeline_params.h"
#include "core/text/vocabulary_spec.h"
#include "itaclip/v1/segmentation_service.pb.h"

namespace itaclip::client {

// What the counts depend on besides the method: the dataset and how its ground truth is read.
struct DatasetSettings {
  std::string layout;
  std::string root;  // made absolute and normalised here
  bool reduce_zero_label = false;
  int ignore_index = 255;
};

// Every parameter that changes a label map, as "key=value" separated by spaces (doubles with 17
// significant digits). width_chunk_size is left out: it only saves memory.
std::string FormatResultParams(const pipeline::PipelineParams& params);

// StableHasher hex digest of the vocabulary's content (class names, descriptions, background
// first), each string length-prefixed so that different splits never collide.
std::string HashVocabulary(const text::VocabularySpec& vocabulary);

// In-process: the checkpoint's content hash, the device and dtype (fp16 on CUDA gives slightly
// different labels than fp32), the preset name and its resolved parameters (after --set), the
// vocabulary, the templates' content hash, and the dataset.
std::string LocalSettingsText(const std::string& checkpoint_content_hash,
                              const std::string& device_and_dtype, const std::string& preset,
                              const pipeline::PipelineParams& params,
                              const text::VocabularySpec& vocabulary,
                              const std::string& templates_content_hash,
                              const DatasetSettings& dataset);

// Through a server: what it says of its version, model and device, the preset (an empty one is
// the server's default, named), the overrides, the vocabulary id (itself a content hash), and the
// dataset. The server's own preset files are not visible from here; a server whose presets differ
// under the same name would need another --cache_dir.
std::string RemoteSettingsText(const v1::ServerInfo& server, const std::string& preset,
                               const std::map<std::string, std::string>& overrides,
                               const std::string& vocabulary_id, const DatasetSettings& dataset);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_EVAL_EVAL_SETTINGS_H_
