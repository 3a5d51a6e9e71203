# CPU image of the offline `itaclip` command, built with the same scripts as CI
# (scripts/setup_debian.sh, scripts/build.sh). The gRPC server image and the CUDA image come with
# the service and deployment issues.
#   docker build -t itaclip-cpu .
#   docker run --rm -v $PWD/data:/data itaclip-cpu segment --model /data/ViT-B-16.pt \
#       --bpe /data/bpe_simple_vocab_16e6.txt.gz --classes /usr/share/itaclip/configs/classes/voc21.txt \
#       --preset voc21 --image /data/image.jpg --out /data/labels.png
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
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home itaclip
COPY --from=build /src/build/client/itaclip /src/build/tools/make_random_checkpoint /usr/local/bin/
COPY --from=build /src/configs /usr/share/itaclip/configs
USER 10001
ENTRYPOINT ["itaclip"]
