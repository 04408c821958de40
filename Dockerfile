# lineagemesh server image (used by docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY ingest ./ingest
RUN pip install --no-cache-dir .
ENV LINEAGEMESH_DATA_DIR=/data
EXPOSE 5000
CMD ["lineagemesh", "serve", "--host", "0.0.0.0", "--port", "5000"]
