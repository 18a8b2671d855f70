# syntax=docker/dockerfile:1

# ---- build ----
FROM golang:1.26-bookworm AS build
WORKDIR /src

# Dependencies first, so this layer is cached until go.mod/go.sum change.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/clout ./cmd/clout

# ---- runtime ----
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/clout /clout

ENV CLOUT_DATA_DIR=/data CLOUT_ADDR=:8080
VOLUME /data
EXPOSE 8080

# No HEALTHCHECK: distroless has no shell or curl to run one. Have the
# orchestrator (compose, Kubernetes liveness/readiness probes) probe GET /healthz.

ENTRYPOINT ["/clout"]
CMD ["serve"]
