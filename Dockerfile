# lineagemesh server image (used by docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY ingest ./ingest
RUN pip install --no-cache-dir .
ENV LINEAGEMESH_DATA_DIR=/data
EXPOSE 5000
# Serving beyond loopback needs tokens (LINEAGEMESH_AUTH_FILE or LINEAGEMESH_TOKENS); without them
# the server refuses to start unless told --insecure-no-auth (docker-compose.yml does, for a laptop).
CMD ["lineagemesh", "serve", "--host", "0.0.0.0", "--port", "5000"]
