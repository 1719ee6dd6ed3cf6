# pgready's runtime image: FROM scratch, the static binary and nothing else — no
# shell, no libc, no CA files (TLS falls back to the Mozilla roots built into the
# binary; mount a CA file and name it with sslrootcert= for a private CA).
#
# Build the static binaries first, then an image per platform; no base image is
# pulled:
#   scripts/build-static          # → dist/linux/amd64/pgready, dist/linux/arm64/pgready
#   docker build -t pgready:0.1.0 .                                          # amd64
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/pgready:0.1.0 --push .
# BuildKit sets TARGETARCH per platform and builds only the stage it names. The
# classic builder leaves TARGETARCH empty (hence amd64), and its cache ignores the
# platform, so for arm64 there:
#   docker build --no-cache --platform linux/arm64 --build-arg TARGETARCH=arm64 -t pgready:0.1.0-arm64 .
# scripts/e2e-docker builds both and tests them. (One stage per architecture, each
# a COPY straight onto scratch: the classic builder refuses a COPY onto a layer it
# made for the host's platform.)
ARG TARGETARCH

FROM scratch AS binary-amd64
COPY dist/linux/amd64/pgready /pgready

FROM scratch AS binary-arm64
COPY dist/linux/arm64/pgready /pgready

FROM binary-${TARGETARCH:-amd64}

LABEL org.opencontainers.image.title="pgready" \
      org.opencontainers.image.description="Wait until PostgreSQL is really ready for the app; say exactly why not." \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="Apache-2.0"

USER 65532:65532
ENTRYPOINT ["/pgready"]
CMD ["wait"]
