# pgready's runtime image: FROM scratch, the static binary and nothing else — no
# shell, no libc, no CA files (TLS falls back to the Mozilla roots built into the
# binary; mount a CA file and name it with sslrootcert= for a private CA).
#
# Build the static binary first, then the image; no base image is pulled:
#   scripts/build-static          # → dist/pgready (x86_64, musl, static-pie)
#   docker build -t pgready:0.1.0 .
# The same two steps run in scripts/e2e-docker, so the image tested is this one.
FROM scratch

LABEL org.opencontainers.image.title="pgready" \
      org.opencontainers.image.description="Wait until PostgreSQL is really ready for the app; say exactly why not." \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="Apache-2.0"

COPY dist/pgready /pgready

USER 65532:65532
ENTRYPOINT ["/pgready"]
CMD ["wait"]
