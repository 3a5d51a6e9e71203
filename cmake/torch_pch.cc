// The translation unit that builds LibTorch's precompiled header (cmake/TorchPch.cmake); the
// other targets reuse that header, this file itself contributes nothing.
