# jsonl-exporter as a container image: a static binary on distroless, run as
# the image's nonroot user (65532). It needs no writable file except /tmp for
# the demo, so it runs with a read-only root file system.
#
#   docker build -t jsonl-exporter .
#   docker build -t jsonl-exporter:0.1.0 --build-arg VERSION=0.1.0 \
#     --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg BRANCH="$(git rev-parse --abbrev-ref HEAD)" \
#     --build-arg BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
#
# The compose stack in deploy/ builds it for you (docs/stack.md).

# The build stage runs on the builder's platform and cross-compiles, so a
# multi-platform build (docker buildx --platform linux/amd64,linux/arm64)
# needs no emulation. Same Go release as go.mod.
FROM --platform=$BUILDPLATFORM golang:1.26.8-alpine AS build

WORKDIR /src

# Modules first: a source edit does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY cmd/ cmd/
COPY internal/ internal/

# Empty build arguments keep the defaults of cmd/jsonl-exporter/version.go
# (a -dev version).
ARG VERSION=""
ARG REVISION=""
ARG BRANCH=""
ARG BUILD_DATE=""
ARG TARGETOS
ARG TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -buildvcs=false -o /out/jsonl-exporter \
      -ldflags "-s -w \
        -X github.com/prometheus/common/version.Version=${VERSION} \
        -X github.com/prometheus/common/version.Revision=${REVISION} \
        -X github.com/prometheus/common/version.Branch=${BRANCH} \
        -X github.com/prometheus/common/version.BuildDate=${BUILD_DATE}" \
      ./cmd/jsonl-exporter

# distroless/static: CA certificates, tzdata and /etc/passwd, no shell, no
# package manager. The tag follows Debian 13 security updates; pin a digest
# on top (…:nonroot@sha256:…) for byte-identical rebuilds.
FROM gcr.io/distroless/static-debian13:nonroot

LABEL org.opencontainers.image.title="jsonl-exporter" \
      org.opencontainers.image.description="Prometheus exporter for ML training metrics in JSON Lines logs" \
      org.opencontainers.image.source="https://github.com/jsonl-exporter/jsonl-exporter"

COPY --from=build /out/jsonl-exporter /bin/jsonl-exporter

# Numeric, so Kubernetes' runAsNonRoot can check it without /etc/passwd.
USER 65532:65532
EXPOSE 9478

# No HEALTHCHECK: the image has no shell or HTTP client to run one. Prometheus'
# `up` metric is the health check; see docs/stack.md.
# No CMD: serve is the default command, and its inputs may come from
# JSONL_EXPORTER_INPUT or --config.file as well as from arguments.
ENTRYPOINT ["/bin/jsonl-exporter"]
