# syntax=docker/dockerfile:1
# itaclip-serve images: itaclip-server and the itaclip client, one Dockerfile with two targets.
#   docker build --target cpu  -t itaclip-serve:cpu  .   # Debian 13's LibTorch 2.6 (CPU, fp32)
#   docker build --target cuda -t itaclip-serve:cuda .   # PyPI's LibTorch 2.11.0 + CUDA 13.0 (fp16)
# Here (no Docker engine, no registry): scripts/build_image.sh cpu|cuda, which makes a Debian 13
# base with debootstrap and builds with buildah (README, "Deployment").
# Every base image is a build argument: DEBIAN_IMAGE (the build stages) and RUNTIME_IMAGE (the
# runtime stages), e.g. --build-arg DEBIAN_IMAGE=localhost/debian:trixie for each.
# The build stages run CI's own scripts (scripts/setup_debian.sh, scripts/build.sh,
# scripts/install.sh); the CUDA build takes LibTorch and the CUDA toolkit from
# scripts/setup_cuda_libtorch.sh (their sources are build arguments, below). The runtime stages
# hold the Debian runtime libraries (deploy/docker/), the programs and configs/, nothing else,
# and run as uid 10001.
#
# The entry point runs the command it is given (`docker run IMAGE itaclip-server FLAGS...`,
# `docker run IMAGE itaclip health ...`; flags alone go to itaclip-server) with exec, so the
# server is PID 1 and gets SIGTERM. The default command serves the official model from /models:
# mount it there, or let the entry point fetch it (ITACLIP_FETCH_MODEL=1, /models writable);
# either way the official files are checked against their SHA-256 before the server starts.
#   docker run --rm -p 50051:50051 -p 8080:8080 -p 9464:9464 -v $PWD/models:/models:ro itaclip-serve:cpu
#   docker run --rm --gpus all -p 50051:50051 -e ITACLIP_FETCH_MODEL=1 -v models:/models \
#       itaclip-serve:cuda
ARG DEBIAN_IMAGE=debian:trixie
ARG RUNTIME_IMAGE=debian:trixie-slim

# ---------------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS build-cpu
# Parallel compile jobs (empty: one per CPU of the build machine).
ARG BUILD_JOBS=
WORKDIR /src
COPY scripts/setup_debian.sh scripts/
RUN ./scripts/setup_debian.sh build-system-torch && rm -rf /var/lib/apt/lists/*
# The sources the build reads (not tests/, deploy/ manifests or documents: a change there does not
# rebuild the programs).
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY core/ core/
COPY image_codecs/ image_codecs/
COPY proto/ proto/
COPY server/ server/
COPY client/ client/
COPY bench/ bench/
COPY tools/ tools/
COPY configs/ configs/
COPY deploy/scripts/ deploy/scripts/
COPY scripts/build.sh scripts/install.sh scripts/
# ccache's folder is a build cache (kept by BuildKit and buildah between builds, never in a layer):
# a rebuild after a source change compiles only what changed.
RUN --mount=type=cache,id=itaclip-ccache-cpu,target=/ccache \
    CCACHE_DIR=/ccache CCACHE_MAXSIZE=2G ITACLIP_BUILD_JOBS=$BUILD_JOBS \
    ./scripts/build.sh -DITACLIP_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr/local \
      -DITACLIP_CONFIG_DIR=/usr/local/share/itaclip/configs \
 && ./scripts/install.sh build /stage

# ---------------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS build-cuda
ARG BUILD_JOBS=
# LibTorch with CUDA: PyPI's torch 2.11.0 for Linux is the CUDA 13.0 build (NVIDIA driver >= 580),
# what the project's GPU machine runs. For older drivers take PyTorch's own index of another CUDA,
# e.g. --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128
# --build-arg CUDA_APT_VERSION=12-8 (driver >= 570), with a TORCH_VERSION published there.
ARG TORCH_VERSION=2.11.0
ARG TORCH_INDEX_URL=https://pypi.org/simple
# The CUDA toolkit LibTorch's CMake config needs (scripts/setup_cuda_libtorch.sh): nvidia-apt
# (NVIDIA's Debian repository, CUDA_APT_REPO and cuda-toolkit-CUDA_APT_VERSION), or pypi
# (NVIDIA's toolkit wheels, CUDA_PYPI_PACKAGES; the default of scripts/build_image.sh, for
# machines that reach PyPI but not NVIDIA).
ARG CUDA_SOURCE=nvidia-apt
ARG CUDA_APT_REPO=https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64
ARG CUDA_APT_VERSION=13-0
ARG CUDA_PYPI_PACKAGES=
# A PEM bundle of the certificate authorities pip trusts (a network whose TLS proxy has its own CA;
# scripts/build_image.sh mounts this machine's bundle there); empty: pip's own.
ARG CA_BUNDLE=
WORKDIR /src
COPY scripts/setup_debian.sh scripts/setup_cuda_libtorch.sh scripts/
RUN --mount=type=cache,id=itaclip-pip,target=/root/.cache/pip \
    ./scripts/setup_debian.sh toolchain \
 && ./scripts/setup_cuda_libtorch.sh /opt/torch \
 && rm -rf /var/lib/apt/lists/*
# The sources the build reads, as in build-cpu.
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY core/ core/
COPY image_codecs/ image_codecs/
COPY proto/ proto/
COPY server/ server/
COPY client/ client/
COPY bench/ bench/
COPY tools/ tools/
COPY configs/ configs/
COPY deploy/scripts/ deploy/scripts/
COPY scripts/build.sh scripts/install.sh scripts/
COPY deploy/docker/stage-cuda-libraries.sh deploy/docker/
RUN --mount=type=cache,id=itaclip-ccache-cuda,target=/ccache \
    CCACHE_DIR=/ccache CCACHE_MAXSIZE=2G ITACLIP_BUILD_JOBS=$BUILD_JOBS \
    ./scripts/build.sh -DITACLIP_BUILD_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr/local \
      -DITACLIP_CONFIG_DIR=/usr/local/share/itaclip/configs -DTorch_ROOT=/opt/torch/site/torch \
      -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc \
 && ./scripts/install.sh build /stage \
 && deploy/docker/stage-cuda-libraries.sh /opt/torch /stage

# ---------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS cpu
COPY deploy/docker/ /tmp/docker/
RUN /tmp/docker/install-runtime-packages.sh cpu && rm -rf /tmp/docker \
 && useradd --system --uid 10001 --user-group --home-dir /tmp --no-create-home itaclip \
 && mkdir -p /models /data && chown 10001:10001 /models /data
COPY --from=build-cpu /stage/ /
# Every library the programs link resolves from the packages installed above.
RUN ! ldd /usr/local/bin/itaclip-server /usr/local/bin/itaclip | grep -F 'not found'
USER 10001:10001
ENV ITACLIP_MODEL_DIR=/models HOME=/tmp
EXPOSE 50051 8080 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=300s --retries=3 \
  CMD ["itaclip", "health", "--server", "127.0.0.1:50051", "--timeout_s", "4"]
ENTRYPOINT ["itaclip-entrypoint"]
CMD ["itaclip-server", "--checkpoint", "/models/ViT-B-16.pt", \
     "--bpe_vocabulary", "/models/bpe_simple_vocab_16e6.txt.gz"]

# ---------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS cuda
COPY deploy/docker/ /tmp/docker/
RUN /tmp/docker/install-runtime-packages.sh cuda && rm -rf /tmp/docker \
 && useradd --system --uid 10001 --user-group --home-dir /tmp --no-create-home itaclip \
 && mkdir -p /models /data && chown 10001:10001 /models /data
# The programs, and LibTorch's and its wheels' CUDA libraries at the paths they were built with
# (their RPATHs point at each other; deploy/docker/stage-cuda-libraries.sh leaves out headers,
# static libraries, tools and the libraries nothing here loads) with an ld.so.conf entry. The
# host's driver (libcuda.so.1) comes from the NVIDIA container toolkit at run time.
COPY --from=build-cuda /stage/ /
RUN ldconfig \
 && ! ldd /usr/local/bin/itaclip-server /usr/local/bin/itaclip | grep -F 'not found' \
      | grep -vE '^\s*lib(cuda|nvidia-ml)\.so\.1 '
USER 10001:10001
ENV ITACLIP_MODEL_DIR=/models HOME=/tmp CUDA_CACHE_PATH=/tmp/.nv/ComputeCache \
    NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility
EXPOSE 50051 8080 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=300s --retries=3 \
  CMD ["itaclip", "health", "--server", "127.0.0.1:50051", "--timeout_s", "4"]
ENTRYPOINT ["itaclip-entrypoint"]
CMD ["itaclip-server", "--checkpoint", "/models/ViT-B-16.pt", \
     "--bpe_vocabulary", "/models/bpe_simple_vocab_16e6.txt.gz", "--model_device", "cuda"]
