# syntax=docker/dockerfile:1
# itaclip-serve images: itaclip-server and the itaclip client, one Dockerfile with two targets.
#   docker build --target cpu  -t itaclip-serve:cpu  .   # Debian 13's LibTorch 2.6 (CPU, fp32)
#   docker build --target cuda -t itaclip-serve:cuda .   # PyPI's LibTorch 2.11.0 + CUDA 13.0 (fp16)
# The CPU build runs CI's own scripts (scripts/setup_debian.sh, scripts/build.sh,
# scripts/install.sh; CI runs install.sh as the deploy.install_tree test and checks the runtime
# package list against the built programs). The CUDA build uses the same scripts over
# scripts/setup_cuda_libtorch.sh (NVIDIA's CUDA toolkit + pip's LibTorch), which CI cannot run.
#
# Both run as uid 10001 and read the model from /models: mount it there, or let the entry point
# fetch it (ITACLIP_FETCH_MODEL=1, /models writable); either way it is checked against its SHA-256
# before the server starts.
#   docker run --rm -p 50051:50051 -p 9464:9464 -v $PWD/models:/models:ro itaclip-serve:cpu
#   docker run --rm --gpus all -p 50051:50051 -e ITACLIP_FETCH_MODEL=1 -v models:/models \
#       itaclip-serve:cuda
# Arguments after the image name replace the default ones (CMD) and go to itaclip-server.
ARG DEBIAN_IMAGE=debian:trixie
ARG RUNTIME_IMAGE=debian:trixie-slim

# ---------------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS build-cpu
WORKDIR /src
COPY scripts/setup_debian.sh scripts/
RUN ./scripts/setup_debian.sh build-system-torch && rm -rf /var/lib/apt/lists/*
COPY . .
RUN ./scripts/build.sh -DITACLIP_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr/local \
      -DITACLIP_CONFIG_DIR=/usr/local/share/itaclip/configs \
 && ./scripts/install.sh build /stage

# ---------------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS build-cuda
# 2.11.0+cu130 is what the project's GPU machine runs (NVIDIA driver >= 580). For older drivers
# pick another of PyTorch's CUDA builds, e.g. --build-arg TORCH_CUDA=cu128 --build-arg
# CUDA_APT_VERSION=12-8 (driver >= 570), with a TORCH_VERSION published for it.
ARG TORCH_VERSION=2.11.0
ARG TORCH_CUDA=cu130
ARG CUDA_APT_VERSION=13-0
WORKDIR /src
COPY scripts/setup_debian.sh scripts/requirements-torch.txt scripts/setup_cuda_libtorch.sh scripts/
RUN ./scripts/setup_debian.sh build \
 && ./scripts/setup_cuda_libtorch.sh /opt/torch "$TORCH_VERSION" "$TORCH_CUDA" "$CUDA_APT_VERSION" \
 && rm -rf /var/lib/apt/lists/*
COPY . .
RUN ./scripts/build.sh -DITACLIP_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr/local \
      -DITACLIP_CONFIG_DIR=/usr/local/share/itaclip/configs \
      -DCMAKE_PREFIX_PATH=/opt/torch/site/torch/share/cmake \
 && ./scripts/install.sh build /stage

# ---------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS cpu
COPY deploy/docker/ /tmp/docker/
RUN /tmp/docker/install-runtime-packages.sh cpu && rm -rf /tmp/docker \
 && useradd --system --uid 10001 --user-group --home-dir /tmp --no-create-home itaclip \
 && mkdir -p /models && chown 10001:10001 /models
COPY --from=build-cpu /stage/ /
USER 10001:10001
ENV ITACLIP_MODEL_DIR=/models HOME=/tmp
EXPOSE 50051 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=300s --retries=3 \
  CMD ["itaclip", "health", "--server", "127.0.0.1:50051", "--timeout_s", "4"]
ENTRYPOINT ["itaclip-entrypoint"]
CMD ["--checkpoint", "/models/ViT-B-16.pt", "--bpe_vocabulary", "/models/bpe_simple_vocab_16e6.txt.gz"]

# ---------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS cuda
COPY deploy/docker/ /tmp/docker/
RUN /tmp/docker/install-runtime-packages.sh cuda && rm -rf /tmp/docker \
 && useradd --system --uid 10001 --user-group --home-dir /tmp --no-create-home itaclip \
 && mkdir -p /models && chown 10001:10001 /models
# LibTorch and the CUDA libraries of its wheels (cuBLAS, cuDNN, ...), at the paths they were built
# with (their RPATHs point at each other); the host's driver comes from the NVIDIA container
# toolkit at run time.
COPY --from=build-cuda /opt/torch/site/torch/lib /opt/torch/site/torch/lib
COPY --from=build-cuda /opt/torch/site/nvidia /opt/torch/site/nvidia
COPY --from=build-cuda /opt/torch/ld.so.conf /etc/ld.so.conf.d/itaclip-torch.conf
RUN ldconfig
COPY --from=build-cuda /stage/ /
USER 10001:10001
ENV ITACLIP_MODEL_DIR=/models HOME=/tmp CUDA_CACHE_PATH=/tmp/.nv/ComputeCache \
    NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility
EXPOSE 50051 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=300s --retries=3 \
  CMD ["itaclip", "health", "--server", "127.0.0.1:50051", "--timeout_s", "4"]
ENTRYPOINT ["itaclip-entrypoint"]
CMD ["--checkpoint", "/models/ViT-B-16.pt", "--bpe_vocabulary", "/models/bpe_simple_vocab_16e6.txt.gz", \
     "--model_device", "cuda"]
