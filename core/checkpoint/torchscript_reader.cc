#include "core/checkpoint/torchscript_reader.h"

#include <torch/script.h>

#include <exception>
#include <new>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/checkpoint/checkpoint_file.h"
#include "core/checkpoint/zip_archive_check.h"
#include "core/common/status_macros.h"
#include "core/common/torch_error_guard.h"

namespace itaclip::checkpoint {

absl::StatusOr<StateDict> ReadTorchScriptArchive(const std::string& path) {
  RETURN_IF_ERROR(RegularFileSize(path, "TorchScript archive").status());
  // LibTorch's reader trusts the archive's structure and never checks its CRC-32s.
  RETURN_IF_ERROR(CheckZipArchive(path));
  const std::string what = absl::StrCat("TorchScript archive ", path);
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, torch::Device(torch::kCPU));
  } catch (const c10::Error& e) {
    // The first line of the message says what was wrong; the rest is a C++
    // stack trace.
    std::string reason = e.what_without_backtrace();
    if (const size_t newline = reason.find('\n'); newline != std::string::npos) {
      reason.resize(newline);
    }
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": not a loadable TorchScript archive: ", reason,
                     " (a plain torch.save state dict is not one; convert it to "
                     "safetensors)"));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat(what, ": out of host memory"));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": not a loadable TorchScript archive: ", e.what()));
  }
  return GuardTorch(what, [&]() -> absl::StatusOr<StateDict> {
    StateDict parameters;
    for (const auto& parameter : module.named_parameters(/*recurse=*/true)) {
      parameters.emplace(parameter.name, parameter.value.detach());
    }
    return parameters;
  });
}

}  // namespace itaclip::checkpoint
