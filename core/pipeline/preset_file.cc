#include "core/pipeline/preset_file.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "core/common/status_macros.h"

namespace itaclip::pipeline {
namespace {

absl::Status BadValue(absl::string_view key, absl::string_view value, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("key '", key, "': bad value '", value, "' (expected ", expected, ")"));
}

absl::Status CheckInt(absl::string_view key, int value, int lo, int hi) {
  if (value < lo || value > hi) {
    return absl::InvalidArgumentError(
        absl::StrCat("key '", key, "': value ", value, " is outside [", lo, ", ", hi, "]"));
  }
  return absl::OkStatus();
}

// `lo_open` makes the lower bound exclusive (for logit_scale > 0).
absl::Status CheckDouble(absl::string_view key, double value, double lo, double hi,
                         bool lo_open = false) {
  const bool below = lo_open ? !(value > lo) : !(value >= lo);
  if (below || !(value <= hi)) {
    return absl::InvalidArgumentError(absl::StrCat("key '", key, "': value ", value, " is outside ",
                                                   lo_open ? "(" : "[", lo, ", ", hi, "]"));
  }
  return absl::OkStatus();
}

absl::Status ParseInt(absl::string_view key, absl::string_view text, int* out) {
  if (!absl::SimpleAtoi(text, out)) return BadValue(key, text, "an integer");
  return absl::OkStatus();
}

absl::Status ParseDouble(absl::string_view key, absl::string_view text, double* out) {
  // SimpleAtod accepts "inf" and "nan"; no parameter may be non-finite.
  if (!absl::SimpleAtod(text, out) || !std::isfinite(*out)) {
    return BadValue(key, text, "a finite number");
  }
  return absl::OkStatus();
}

absl::Status ParseBool(absl::string_view key, absl::string_view text, bool* out) {
  if (text == "true" || text == "1") {
    *out = true;
  } else if (text == "false" || text == "0") {
    *out = false;
  } else {
    return BadValue(key, text, "true or false");
  }
  return absl::OkStatus();
}

// One key of the format: how to parse it into the struct, and how to
// range-check the field.
struct KeySpec {
  absl::string_view key;
  std::function<absl::Status(PipelineParams&, absl::string_view)> parse;
  std::function<absl::Status(const PipelineParams&)> check;
};

KeySpec IntKey(absl::string_view key, int PipelineParams::*field, int lo, int hi) {
  return {
      key,
      [key, field](PipelineParams& p, absl::string_view v) {
        return ParseInt(key, v, &(p.*field));
      },
      [key, field, lo, hi](const PipelineParams& p) { return CheckInt(key, p.*field, lo, hi); }};
}

KeySpec DoubleKey(absl::string_view key, double PipelineParams::*field, double lo, double hi,
                  bool lo_open = false) {
  return {key,
          [key, field](PipelineParams& p, absl::string_view v) {
            return ParseDouble(key, v, &(p.*field));
          },
          [key, field, lo, hi, lo_open](const PipelineParams& p) {
            return CheckDouble(key, p.*field, lo, hi, lo_open);
          }};
}

const std::vector<KeySpec>& Keys() {
  static const std::vector<KeySpec>* const keys = [] {
    auto* k = new std::vector<KeySpec>;
    k->push_back(IntKey("short_side", &PipelineParams::short_side, 1, 8192));
    k->push_back(IntKey("long_side_limit", &PipelineParams::long_side_limit, 1, 16384));
    k->push_back(IntKey("crop_size", &PipelineParams::crop_size, 16, 4096));
    k->push_back(IntKey("stride", &PipelineParams::stride, 1, 4096));
    k->push_back({"background_first",
                  [](PipelineParams& p, absl::string_view v) {
                    return ParseBool("background_first", v, &p.background_first);
                  },
                  [](const PipelineParams&) { return absl::OkStatus(); }});
    k->push_back(DoubleKey("def_coefficient", &PipelineParams::def_coefficient, 0.0, 1.0));
    k->push_back(DoubleKey("img_eng_coefficient", &PipelineParams::img_eng_coefficient, 0.0, 1.0));
    k->push_back(DoubleKey("logit_scale", &PipelineParams::logit_scale, 0.0, 1000.0,
                           /*lo_open=*/true));
    k->push_back(DoubleKey("prob_thd", &PipelineParams::prob_thd, 0.0, 1.0));
    k->push_back({"area_thd",
                  [](PipelineParams& p, absl::string_view v) {
                    if (v == "none") {
                      p.area_thd.reset();
                      return absl::OkStatus();
                    }
                    double d = 0;
                    RETURN_IF_ERROR(ParseDouble("area_thd", v, &d));
                    p.area_thd = d;
                    return absl::OkStatus();
                  },
                  [](const PipelineParams& p) {
                    if (!p.area_thd.has_value()) return absl::OkStatus();
                    return CheckDouble("area_thd", *p.area_thd, 0.0, 1.0);
                  }});
    k->push_back(IntKey("pamr_steps", &PipelineParams::pamr_steps, 0, 1000));
    k->push_back({"pamr_dilations",
                  [](PipelineParams& p, absl::string_view v) {
                    std::vector<int> dilations;
                    for (absl::string_view piece : absl::StrSplit(v, ',')) {
                      int d = 0;
                      if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(piece), &d)) {
                        return BadValue("pamr_dilations", v, "comma-separated integers, e.g. 8,16");
                      }
                      dilations.push_back(d);
                    }
                    p.pamr_dilations = std::move(dilations);
                    return absl::OkStatus();
                  },
                  [](const PipelineParams& p) {
                    if (p.pamr_dilations.empty()) {
                      return absl::InvalidArgumentError(
                          "key 'pamr_dilations': at least one dilation is required");
                    }
                    for (int d : p.pamr_dilations) {
                      RETURN_IF_ERROR(CheckInt("pamr_dilations", d, 1, 1024));
                    }
                    return absl::OkStatus();
                  }});
    k->push_back({"width_chunk_size",
                  [](PipelineParams& p, absl::string_view v) {
                    if (v == "none") {
                      p.width_chunk_size = 0;
                      return absl::OkStatus();
                    }
                    return ParseInt("width_chunk_size", v, &p.width_chunk_size);
                  },
                  [](const PipelineParams& p) {
                    return CheckInt("width_chunk_size", p.width_chunk_size, 0, 1 << 20);
                  }});
    return k;
  }();
  return *keys;
}

const KeySpec* FindKey(absl::string_view key) {
  for (const KeySpec& spec : Keys()) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

std::string KnownKeys() {
  std::vector<absl::string_view> names;
  for (const KeySpec& spec : Keys()) names.push_back(spec.key);
  return absl::StrJoin(names, ", ");
}

absl::Status Prefixed(absl::string_view prefix, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(prefix, ": ", status.message()));
}

}  // namespace

absl::Status ValidateParams(const PipelineParams& params) {
  for (const KeySpec& spec : Keys()) RETURN_IF_ERROR(spec.check(params));
  if (params.stride > params.crop_size) {
    return absl::InvalidArgumentError(absl::StrCat("stride ", params.stride, " exceeds crop_size ",
                                                   params.crop_size,
                                                   ": windows would leave pixels uncovered"));
  }
  return absl::OkStatus();
}

namespace {

absl::Status ApplyOverrideImpl(PipelineParams& params, absl::string_view key,
                               absl::string_view value) {
  const KeySpec* spec = FindKey(key);
  if (spec == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown parameter '", key, "' (known: ", KnownKeys(), ")"));
  }
  PipelineParams updated = params;
  RETURN_IF_ERROR(spec->parse(updated, absl::StripAsciiWhitespace(value)));
  RETURN_IF_ERROR(spec->check(updated));
  params = std::move(updated);
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyOverride(PipelineParams& params, absl::string_view key, absl::string_view value) {
  return ApplyOverrideImpl(params, key, value);
}

absl::Status ApplyOverrides(PipelineParams& params, const std::vector<std::string>& key_eq_value) {
  PipelineParams updated = params;
  for (const std::string& entry : key_eq_value) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("override '", entry, "': expected key=value"));
    }
    const absl::string_view key =
        absl::StripAsciiWhitespace(absl::string_view(entry).substr(0, eq));
    const absl::string_view value = absl::string_view(entry).substr(eq + 1);
    const absl::Status status = ApplyOverrideImpl(updated, key, value);
    if (!status.ok()) return Prefixed(absl::StrCat("override '", entry, "'"), status);
  }
  const absl::Status status = ValidateParams(updated);
  if (!status.ok()) return Prefixed("after overrides", status);
  params = std::move(updated);
  return absl::OkStatus();
}

absl::StatusOr<PipelineParams> ParsePreset(absl::string_view content,
                                           absl::string_view source_name) {
  PipelineParams params;
  std::map<absl::string_view, int> seen_on_line;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    ++line_number;
    const std::string prefix = absl::StrCat(source_name, ":", line_number);
    const size_t hash = line.find('#');
    if (hash != absl::string_view::npos) line = line.substr(0, hash);
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, ": expected 'key = value', got '", line, "'"));
    }
    const absl::string_view key = absl::StripAsciiWhitespace(line.substr(0, eq));
    const KeySpec* spec = FindKey(key);
    if (spec == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, ": unknown key '", key, "' (known: ", KnownKeys(), ")"));
    }
    const auto [it, inserted] = seen_on_line.emplace(spec->key, line_number);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, ": key '", key, "' repeated (first set on line ", it->second, ")"));
    }
    const absl::Status status = ApplyOverrideImpl(params, key, line.substr(eq + 1));
    if (!status.ok()) return Prefixed(prefix, status);
  }
  std::vector<absl::string_view> missing;
  for (const KeySpec& spec : Keys()) {
    if (seen_on_line.count(spec.key) == 0) missing.push_back(spec.key);
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_name, ": incomplete preset, missing keys: ", absl::StrJoin(missing, ", ")));
  }
  const absl::Status status = ValidateParams(params);
  if (!status.ok()) return Prefixed(source_name, status);
  return params;
}

std::vector<std::string> ListPresets(const std::string& presets_dir) {
  std::vector<std::string> names;
  std::error_code ec;
  std::filesystem::directory_iterator it(presets_dir, ec);
  if (ec) return names;
  for (const auto& entry : it) {
    const std::filesystem::path& path = entry.path();
    if (path.extension() == ".conf" && entry.is_regular_file(ec)) {
      names.push_back(path.stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<PipelineParams> LoadPreset(const std::string& presets_dir, const std::string& name) {
  std::error_code ec;
  if (!std::filesystem::is_directory(presets_dir, ec)) {
    return absl::NotFoundError(
        absl::StrCat("presets directory '", presets_dir, "' does not exist"));
  }
  // Only names found in the directory are accepted, so a name cannot escape it
  // ("../x").
  const std::vector<std::string> available = ListPresets(presets_dir);
  if (std::find(available.begin(), available.end(), name) == available.end()) {
    return absl::NotFoundError(absl::StrCat("unknown preset '", name, "' in '", presets_dir,
                                            "' (available: ", absl::StrJoin(available, ", "), ")"));
  }
  const std::string path = (std::filesystem::path(presets_dir) / (name + ".conf")).string();
  std::ifstream file(path, std::ios::binary);
  if (!file.is_open()) {
    return absl::NotFoundError(absl::StrCat("cannot open preset file '", path, "'"));
  }
  std::stringstream content;
  content << file.rdbuf();
  if (file.bad()) {
    return absl::DataLossError(absl::StrCat("error while reading preset file '", path, "'"));
  }
  return ParsePreset(content.str(), path);
}

}  // namespace itaclip::pipeline
