# lineagemesh server image (used by docker-compose.yml). The native core is compiled in a build
# stage (scikit-build-core runs native/CMakeLists.txt; cmake and ninja come from the package index),
# so the image itself carries no compiler.
FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY native ./native
COPY graph ./graph
COPY ingest ./ingest
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[neo4j,kafka,iceberg]"  # the server image: every store and source

FROM python:3.11-slim
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
ENV LINEAGEMESH_DATA_DIR=/data
EXPOSE 5000
# Serving beyond loopback needs tokens (LINEAGEMESH_AUTH_FILE or LINEAGEMESH_TOKENS); without them
# the server refuses to start unless told --insecure-no-auth (docker-compose.yml does, for a laptop).
CMD ["lineagemesh", "serve", "--host", "0.0.0.0", "--port", "5000"]
