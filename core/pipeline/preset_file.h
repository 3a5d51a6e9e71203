// Dataset presets: plain-text files `key = value` (configs/presets/NAME.conf),
// one per spec §6 column, and `key=value` overrides on top of them.
//
// File format: one `key = value` per line; whitespace around key and value is
// ignored; '#' starts a comment that runs to the end of the line; blank lines
// are allowed. Keys are the PipelineParams field names: short_side,
// long_side_limit, crop_size, stride, background_first (true|false),
// def_coefficient, img_eng_coefficient, logit_scale, prob_thd, area_thd (a
// number or `none`), pamr_steps, pamr_dilations (comma-separated, e.g. `8,16`),
// width_chunk_size (an integer, 0 or `none` = no chunking). A preset must set
// every key exactly once.
//
// Ranges (INVALID_ARGUMENT otherwise): 1 <= short_side <= 8192, 1 <=
// long_side_limit <= 16384, 16 <= crop_size <= 4096, 1 <= stride <= 4096, 0 <=
// def_coefficient, img_eng_coefficient, prob_thd, area_thd <= 1, 0 <
// logit_scale <= 1000, 0 <= pamr_steps <= 1000, each dilation in [1, 1024] (at
// least one), 0 <= width_chunk_size <= 1048576; and, across keys, stride <=
// crop_size (otherwise the windows would leave pixels uncovered).
//
// All functions are thread-compatible (no shared state).
#ifndef ITACLIP_CORE_PIPELINE_PRESET_FILE_H_
#define ITACLIP_CORE_PIPELINE_PRESET_FILE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/pipeline/pipeline_params.h"

namespace itaclip::pipeline {

// Parses the text of a preset file. `source_name` (e.g. the file name) only
// prefixes error messages, which also give the 1-based line. INVALID_ARGUMENT
// for a malformed line, an unknown or repeated key, a bad value, a missing key
// (all are listed) or a cross-key violation.
absl::StatusOr<PipelineParams> ParsePreset(absl::string_view content,
                                           absl::string_view source_name);

// Reads `presets_dir`/`name`.conf and parses it. `name` must be one of the
// presets present in the directory (the stems of its *.conf files), otherwise
// NOT_FOUND listing the available ones (this also rejects names with path
// separators). NOT_FOUND if the directory is missing; errors of ParsePreset
// otherwise.
absl::StatusOr<PipelineParams> LoadPreset(const std::string& presets_dir, const std::string& name);

// Names of the presets in `presets_dir` (stems of its *.conf files), sorted;
// empty if the directory is missing or unreadable.
std::vector<std::string> ListPresets(const std::string& presets_dir);

// Sets one parameter from its textual value (same keys and value syntax as the
// file format). INVALID_ARGUMENT naming the key for an unknown key or a
// bad/out-of-range value; `params` is left unchanged on error. Checks only the
// key's own range: call ValidateParams afterwards for the cross-key rules
// (ApplyOverrides does).
absl::Status ApplyOverride(PipelineParams& params, absl::string_view key, absl::string_view value);

// Applies "key=value" strings in order, then ValidateParams. All or nothing: on
// error `params` is unchanged. INVALID_ARGUMENT naming the offending entry.
absl::Status ApplyOverrides(PipelineParams& params, const std::vector<std::string>& key_eq_value);

// Checks every range above and the cross-key rules. INVALID_ARGUMENT naming the
// first violation.
absl::Status ValidateParams(const PipelineParams& params);

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_PRESET_FILE_H_
