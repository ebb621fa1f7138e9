# One image for the API and the workers. The GPU worker runs it on an NVIDIA host
# (CTranslate2 finds CUDA through the `gpu` extra's cuBLAS/cuDNN wheels).
FROM python:3.11-slim

RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY recorder recorder
COPY transcribe transcribe
COPY storage storage
COPY api api
ARG EXTRAS=""
RUN pip install --no-cache-dir ".${EXTRAS}"
ENV CALLREC_DATA_DIR=/data \
    CALLREC_TRANSCRIBE_CACHE_DIR=/data/cache
VOLUME /data
EXPOSE 8000
ENTRYPOINT ["callrec"]
CMD ["api", "--host", "0.0.0.0", "--port", "8000"]
