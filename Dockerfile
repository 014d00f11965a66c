# syntax=docker/dockerfile:1
# Build stage: a static, pure-Go binary (no cgo: bbolt and sops' age backend are pure Go).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
ARG BUILD_DATE=unknown
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.buildDate=${BUILD_DATE}" \
      -o /out/bot ./cmd/bot

# Final stage: distroless static, non-root. CA certificates and tzdata come with it.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bot /bot
USER nonroot:nonroot
ENV DATA_DIR=/var/lib/syncrobot/data SESSION_LOG_DIR=/var/lib/syncrobot/notes
VOLUME ["/var/lib/syncrobot"]
# No shell or curl in distroless: the binary probes its own /healthz.
# `bot -healthcheck` exits 0 when METRICS_ADDR is unset, so containers
# without the metrics listener stay healthy.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["/bot","-healthcheck"]
ENTRYPOINT ["/bot"]
