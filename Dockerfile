# syntax=docker/dockerfile:1
# Samspil: build the server on Debian 12 and run it in a slim image with only the runtime
# libraries. Configuration comes from the environment (docs/ARCHITECTURE.md); see
# docker-compose.yml for a complete set-up with PostgreSQL 15.

# --- build ---------------------------------------------------------------------------
FROM debian:12-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libmicrohttpd-dev libjansson-dev libjwt-dev libsodium-dev libpq-dev \
      libcurl4-openssl-dev libssl-dev check libyaml-dev libxlsxwriter-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY lib/ lib/
COPY server/ server/
# The top-level CMakeLists.txt configures the tests too; only the server is built.
COPY tests/ tests/
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build -j"$(nproc)" --target samspil \
 && strip build/samspil

# --- runtime -------------------------------------------------------------------------
FROM debian:12-slim
# libjwt0 brings libssl3; postgresql-client-15 provides psql for the entry point.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmicrohttpd12 libjansson4 libjwt0 libsodium23 libpq5 libcurl4 libxlsxwriter4 \
      postgresql-client-15 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 samspil \
 && useradd --system --uid 10001 --gid samspil --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin samspil
WORKDIR /app
COPY --from=build /src/build/samspil /usr/local/bin/samspil
COPY migrations/ /app/migrations/
COPY static/ /app/static/
COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/docker-entrypoint
ENV MIGRATIONS_DIR=/app/migrations \
    STATIC_DIR=/app/static \
    BIND_ADDRESS=0.0.0.0 \
    PORT=8080
USER samspil:samspil
EXPOSE 8080
# No curl in the slim image: bash's /dev/tcp asks /healthz and wants a 200 status line.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-8080} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && IFS= read -r line <&3 && [[ $line == *' 200 '* ]]"]
ENTRYPOINT ["/usr/local/bin/docker-entrypoint"]
CMD ["serve"]
