# sohoa — the two commands of the quick start are `make run` and `make test`.
# Both install what is missing (Debian packages as root, a .venv) and are quick
# the second time: apt runs only when a package is missing, pip only when
# pyproject.toml changed.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

# What the service needs from Debian (see README, "Dependencies").
APT_PACKAGES := python3-venv python3-pip tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd tesseract-ocr-eng \
	poppler-utils ghostscript qpdf fonts-liberation2 fonts-dejavu-core \
	libtesseract-dev libleptonica-dev pkg-config g++

# tesserocr (Tesseract in-process) is built against Debian's Tesseract, not taken as the
# wheel that bundles another version: both OCR engines then read with the same library
# (the wheel's 5.5 read a fresh draw of unseen papers worse than Debian's 5.3).
export PIP_NO_BINARY := tesserocr

# What only the tests need from Debian: the browser the page tests drive (tests/e2e/test_browser.py)
# and openssl, which makes the webhook TLS test's certificate (tests/integration/test_egress.py);
# softhsm2, a software PKCS#11 token the certified copies are signed through as through a
# unit's USB token (tests/integration/test_certify_signing.py).
TEST_APT_PACKAGES := chromium openssl softhsm2

# What only the benchmarks need from Debian: OCRmyPDF's --clean runs unpaper (without it
# every OCRmyPDF file of bench/run fails and the comparison is void).
BENCH_APT_PACKAGES := unpaper

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Install those of the Debian packages $(1) that are missing: apt runs only then.
define apt_install
	@missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

.PHONY: install system-deps run demo test lint format bench bench-pipeline bench-api bench-classify clean

install: system-deps $(VENV)/.installed

system-deps:
	$(call apt_install,$(APT_PACKAGES))

$(VENV)/.installed: pyproject.toml
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

$(VENV)/.bench-installed: $(VENV)/.installed
	$(call apt_install,$(BENCH_APT_PACKAGES))
	$(PY) -m pip install -q -e '.[dev,bench]'
	touch $@

HOST ?= 127.0.0.1
PORT ?= 8000

# The service on the embedded default (SQLite, a local folder, no servers): the
# API on http://$(HOST):$(PORT) and a worker. A first start prints an admin key.
# The local test CA signs certified copies here (marked NOT FOR PRODUCTION on every copy);
# a unit's own key is set with SOHOA_SIGNING_PKCS12 or SOHOA_SIGNING_PKCS11_* instead.
run: install
	SOHOA_SIGNING_TEST_CA=$${SOHOA_SIGNING_TEST_CA:-true} $(VENV)/bin/sohoa run --host $(HOST) --port $(PORT)

# Digitise the bundled sample scan without any service.
demo: install
	@mkdir -p data
	$(VENV)/bin/sohoa ocr samples/giay-xac-nhan.jpg data/giay-xac-nhan.pdf \
		--sidecar data/giay-xac-nhan.txt --json data/giay-xac-nhan.json
	@echo "Searchable PDF/A: $$(pwd)/data/giay-xac-nhan.pdf"
	@echo "Text: $$(pwd)/data/giay-xac-nhan.txt"; head -n 5 data/giay-xac-nhan.txt

test: install
	$(call apt_install,$(TEST_APT_PACKAGES))
	scripts/test-services.sh
	$(VENV)/bin/ruff check . bench/run bench/pipeline bench/api bench/classify bench/photos
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check . bench/run bench/pipeline bench/api bench/classify bench/photos
	$(VENV)/bin/ruff format --check . bench/run bench/pipeline bench/api bench/classify

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install $(VENV)/.bench-installed
	$(PY) bench/run

bench-pipeline: install $(VENV)/.bench-installed
	scripts/test-services.sh
	$(PY) bench/pipeline

bench-api: install $(VENV)/.bench-installed
	$(PY) bench/api

bench-classify: install $(VENV)/.bench-installed
	$(PY) bench/classify

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
