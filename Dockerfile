# syntax=docker/dockerfile:1
#
# cypher-gateway container image.
#
# Build:  docker build -t cypher-gateway:dev .
# Run:    docker run --rm -p 8080:8080 --read-only -e NEO4J_URL=... \
#           -e NEO4J_PASSWORD=... -e JWT_SIGNING_KEY=... \
#           -e CLIENT_ID=... -e CLIENT_SECRET_HASH=... cypher-gateway:dev
# The variables are those of config/gateway.container.yaml; on ECS the
# *_REF variables point the secret fields at SSM instead (docs/deploy.md).
#
# The runtime stage installs exactly the packages of docker/runtime-packages.txt.
# scripts/image-check.sh builds the same filesystem without a container engine
# and runs the smoke test in it, so change both files together.
# No build argument or layer holds a secret: the daemon reads its secrets at
# startup from the environment, files or SSM Parameter Store.

FROM debian:bookworm AS build

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential \
        pkg-config \
        libmicrohttpd-dev \
        libjwt-dev \
        libjansson-dev \
        libcurl4-openssl-dev \
        libyaml-dev \
        libssl-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
RUN make -j"$(nproc)" \
    && make install DESTDIR=/out PREFIX=/usr/local


FROM debian:bookworm-slim AS runtime

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Package names are parsed as in scripts/image-check.sh: comments stripped,
# split on whitespace. apt-get upgrade picks up security fixes released
# after the base image was published.
COPY docker/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get upgrade -y \
    && sed -e 's/#.*//' /tmp/runtime-packages.txt \
        | DEBIAN_FRONTEND=noninteractive xargs -r apt-get install -y --no-install-recommends \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt

# uid/gid 10001 matches "user" in the ECS task definition.
RUN groupadd --gid 10001 gateway \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin gateway

# Binary and config are owned by root and not writable by the runtime user.
# The daemon writes no files (logs go to stdout), so the container runs with
# a read-only root filesystem and needs no writable volume.
# `make install` puts config/gateway.container.yaml at /etc/cypher-gateway/gateway.yaml.
COPY --from=build /out/usr/local/bin/cypher-gateway /usr/local/bin/cypher-gateway
COPY --from=build /out/etc/cypher-gateway/gateway.yaml /etc/cypher-gateway/gateway.yaml

USER 10001:10001
EXPOSE 8080

# GET /health does no I/O, so a failing check means the process is stuck,
# not that Neo4j is down. The daemon's own client keeps curl out of the image.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/cypher-gateway", "--healthcheck", "http://127.0.0.1:8080/health"]

# On SIGTERM the daemon stops accepting, drains in-flight requests for up to
# drain_timeout_s (25 s by default) and exits 0. ECS stopTimeout is 30 s.
STOPSIGNAL SIGTERM

ENTRYPOINT ["/usr/local/bin/cypher-gateway"]
CMD ["--config", "/etc/cypher-gateway/gateway.yaml"]
