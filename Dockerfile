# CPU image of itaclip-server and the `itaclip` client, built with the same scripts as CI
# (scripts/setup_debian.sh, scripts/build.sh). The CUDA image and the Kubernetes manifests come with
# the deployment issue.
#   docker build -t itaclip-cpu .
#   docker run --rm -p 50051:50051 -p 9464:9464 -v $PWD/models:/models:ro itaclip-cpu \
#       --checkpoint /models/ViT-B-16.pt --bpe_vocabulary /models/bpe_simple_vocab_16e6.txt.gz
FROM debian:12 AS build
WORKDIR /src
COPY scripts/setup_debian.sh scripts/
RUN ./scripts/setup_debian.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN ./scripts/build.sh -DITACLIP_BUILD_TESTS=OFF -DITACLIP_CONFIG_DIR=/usr/share/itaclip/configs

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libtorch1.13 libopenblas0-pthread \
      libopencv-core406 libopencv-imgproc406 libopencv-imgcodecs406 libabsl20220623 zlib1g \
      libgrpc++1.51 libprotobuf32 libprometheus-cpp-core1.0 libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home itaclip \
 && mkdir -p /var/lib/itaclip/vocabularies && chown 10001 /var/lib/itaclip/vocabularies
COPY --from=build /src/build/server/itaclip-server /src/build/client/itaclip \
     /src/build/tools/make_random_checkpoint /usr/local/bin/
COPY --from=build /src/configs /usr/share/itaclip/configs
USER 10001
EXPOSE 50051 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s \
  CMD ["itaclip", "health", "--server", "127.0.0.1:50051", "--timeout_s", "4"]
ENTRYPOINT ["itaclip-server", "--listen", "0.0.0.0:50051", "--metrics_listen", "0.0.0.0:9464", \
            "--store_dir", "/var/lib/itaclip/vocabularies"]
