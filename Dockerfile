# sohoa: one image for the API, the workers and the one-shot migration.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OMP_THREAD_LIMIT=1 \
    SOHOA_DATA_DIR=/var/lib/sohoa

# The same Debian packages as the Makefile's APT_PACKAGES (minus the venv tools).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd tesseract-ocr-eng poppler-utils ghostscript qpdf \
      fonts-liberation2 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY core core
COPY sohoa sohoa
COPY ingest ingest
COPY ocr ocr
COPY classifiers classifiers
COPY storage storage
COPY pipeline pipeline
COPY compare compare
COPY certify certify
COPY api api
# tesserocr is built against Debian's Tesseract (as the Makefile does), then the
# build tools go.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libtesseract-dev libleptonica-dev pkg-config g++ \
 && PIP_NO_BINARY=tesserocr pip install --no-cache-dir . \
 && apt-get purge -y --auto-remove libtesseract-dev libleptonica-dev pkg-config g++ \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/sohoa --create-home sohoa

USER sohoa
ENTRYPOINT ["sohoa"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
