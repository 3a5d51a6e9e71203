#include "core/checkpoint/torchscript_writer.h"

#include <torch/script.h>

#include <cctype>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/common/torch_error_guard.h"

namespace itaclip::checkpoint {
namespace {

// The module tree before it becomes torch::jit::Modules.
struct Node {
  std::map<std::string, at::Tensor> parameters;
  std::map<std::string, std::unique_ptr<Node>> children;
};

// A valid, unique TorchScript class name for the module at `path` (components
// may be "0", "1", ...).
std::string ClassName(const std::string& path, int index) {
  std::string name = absl::StrCat("M", index, "_", path);
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return absl::StrCat("__torch__.itaclip.", name);
}

torch::jit::Module Build(const Node& node, const std::string& path,
                         const std::shared_ptr<torch::jit::CompilationUnit>& unit, int& counter) {
  torch::jit::Module module(ClassName(path.empty() ? "root" : path, counter++), unit);
  for (const auto& [name, tensor] : node.parameters) {
    module.register_parameter(name, tensor, /*is_buffer=*/false);
  }
  for (const auto& [name, child] : node.children) {
    module.register_module(
        name, Build(*child, path.empty() ? name : absl::StrCat(path, ".", name), unit, counter));
  }
  return module;
}

}  // namespace

absl::Status WriteTorchScriptArchive(const StateDict& openai_named, const std::string& path) {
  return GuardTorch(absl::StrCat("TorchScript writer ", path), [&]() -> absl::Status {
    Node root;
    for (const auto& [key, tensor] : openai_named) {
      if (!tensor.defined()) {
        return absl::InvalidArgumentError(
            absl::StrCat("TorchScript writer: tensor '", key, "' is undefined"));
      }
      const std::vector<std::string> parts = absl::StrSplit(key, '.');
      Node* node = &root;
      for (size_t i = 0; i + 1 < parts.size(); ++i) {
        if (parts[i].empty() || node->parameters.count(parts[i]) > 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("TorchScript writer: key '", key, "' cannot name a module path"));
        }
        std::unique_ptr<Node>& child = node->children[parts[i]];
        if (child == nullptr) child = std::make_unique<Node>();
        node = child.get();
      }
      if (parts.back().empty() || node->children.count(parts.back()) > 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("TorchScript writer: key '", key, "' cannot name a parameter"));
      }
      // Parameters are saved without autograd state; the reader detaches
      // them anyway.
      node->parameters[parts.back()] = tensor.detach().to(at::kCPU).contiguous();
    }
    auto unit = std::make_shared<torch::jit::CompilationUnit>();
    int counter = 0;
    const torch::jit::Module module = Build(root, "", unit, counter);
    module.save(path);
    return absl::OkStatus();
  });
}

}  // namespace itaclip::checkpoint
