# civic-digest: the Telegram bot in a small, non-root image.
#   docker build -t civic-digest .
#   docker run -d --name civic-digest --env-file .env -v civic-digest-data:/data civic-digest
# The archive lives on the /data volume; migrations run at start, so upgrading is
# "pull, stop, start". See docs/OPERATIONS.md.

# ---- build: compile wheels for the package and its dependencies (PyStemmer needs a C compiler)
FROM python:3.11.7-slim-bookworm AS build

# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY feeds ./feeds
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# ---- runtime: only the wheels, no compiler, no sources
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_PATH=/data/civic-digest.db \
    METRICS_HOST=0.0.0.0

RUN groupadd --system --gid 10001 civic \
    && useradd --system --uid 10001 --gid civic --home-dir /data --shell /usr/sbin/nologin civic \
    && mkdir -p /data \
    && chown civic:civic /data

COPY --from=build /wheels /wheels
# The wheels directory holds exactly the versions resolved in the build stage.
# hadolint ignore=DL3013
RUN pip install --no-index --find-links=/wheels civic-digest \
    && rm -rf /wheels

USER 10001:10001
WORKDIR /data
VOLUME ["/data"]

# METRICS_PORT (when set) and WEBHOOK_PORT serve HTTP; publish only what you use.
EXPOSE 8080 9100

HEALTHCHECK --interval=60s --timeout=30s --start-period=60s --retries=3 \
    CMD ["civic-digest", "health"]

STOPSIGNAL SIGTERM
CMD ["civic-digest", "run"]
