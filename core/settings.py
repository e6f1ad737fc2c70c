"""The one settings object, read from the environment (``SOHOA_*``) and ``.env``.

Command-line options override it for a single run; code below the CLI receives
immutable options built from it and never reads the environment itself.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.hosts import AllowList
from core.limits import Limits, pixels_within

HARD_LIMIT_GRACE_S = 15
"""Seconds between a task's soft time limit (``SOHOA_PAGE_TIME_LIMIT``: the page
fails with its reason) and the hard one that kills a worker child that could not
be interrupted. The soft path needs only a few database writes."""


def default_jobs() -> int:
    """The CPUs this process may use: one Tesseract each (``OMP_THREAD_LIMIT=1``)."""
    return max(1, len(os.sched_getaffinity(0)))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOHOA_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where the embedded default keeps its files.")
    lang: str = Field("vie", description="Tesseract languages, e.g. vie or vie+eng.")
    ocr_engine: str = Field(
        "tesseract",
        pattern=r"^[a-z][a-z0-9_-]*$",
        description=(
            "OCR engine (ocr.engines): tesseract (in-process), tesseract-cli (the program), "
            "or null to digitise without OCR."
        ),
    )
    line_detection: Literal["auto", "always", "never"] = Field(
        "auto",
        description=(
            "When a photographed or poorly read page is read again along the text lines a "
            "neural detector finds (ocr.text_lines): auto, always or never."
        ),
    )
    jobs: int = Field(default_factory=default_jobs, ge=1, description="Pages processed at once.")
    jpeg_quality: int = Field(60, ge=20, le=95, description="JPEG quality of page images.")
    max_file_mb: int = Field(512, ge=1, description="Largest accepted scan file, MiB.")
    max_pages: int = Field(2000, ge=1, description="Most pages accepted in one file.")
    max_pixels: int = Field(150_000_000, ge=1_000_000, description="Most pixels in one page.")
    page_memory_mb: int = Field(
        2560,
        ge=128,
        description="Memory one page may take while it is processed (32 bytes per pixel "
        "of its raster; 2560 fits an A0 sheet at 200 dpi): a bigger PDF page is rendered "
        "at a lower dpi down to 200, past that it is refused as too_large. A worker "
        "needs about concurrency × this.",
    )
    max_page_content_mb: int = Field(
        32, ge=1, description="Most MiB of drawing instructions one PDF page may inflate to."
    )

    # Storage: the embedded default needs no server (a folder and SQLite);
    # production points these at MinIO and PostgreSQL.
    database_url: str = Field(
        "", description="SQLAlchemy URL; default sqlite:///<data_dir>/sohoa.db"
    )
    object_store: Literal["local", "s3"] = Field("local", description="Where files are kept.")
    objects_dir: Path | None = Field(
        None, description="Local store root; default <data_dir>/objects"
    )
    s3_endpoint: str = Field("127.0.0.1:9000", description="S3/MinIO host:port.")
    s3_access_key: str = Field("", description="S3 access key.")
    s3_secret_key: str = Field("", description="S3 secret key.")
    s3_bucket: str = Field("sohoa", description="S3 bucket, created if missing.")
    s3_secure: bool = Field(False, description="Use HTTPS for S3.")
    s3_region: str = Field("us-east-1", description="S3 region name.")
    s3_public_endpoint: str = Field(
        "", description="host:port clients use for presigned URLs; default s3_endpoint"
    )
    s3_public_secure: bool = Field(False, description="Presigned URLs use HTTPS.")
    # Broker: Redis in production; empty means the embedded, serverless default.
    broker_url: str = Field("", description="Celery broker URL; default: embedded (SQLite)")
    # Redis redelivers a task whose worker died without acknowledging it after
    # this many seconds. Longer than the slowest task, or a live task is doubled.
    visibility_timeout: int = Field(900, ge=5, description="Seconds before redelivery.")
    page_time_limit: int = Field(
        600,
        ge=10,
        description="Seconds one page (or document step) may take; over it the page "
        "fails with page_time_limit (a stuck worker child is killed 15 s later).",
    )
    lease_seconds: int = Field(
        30,
        ge=3,
        description="Seconds a worker's claim on a page or document step lasts unless "
        "renewed; a running task renews it every third of that, so a worker killed "
        "mid-page holds its page this long at most.",
    )
    work_cache_mb: int = Field(
        2048,
        ge=1,
        description="Most MiB of originals a worker keeps on its disk (least recently "
        "used evicted first; a file in use is never evicted).",
    )
    page_lanes: int = Field(
        4,
        ge=1,
        description="Pages of one document waiting in the queue at once (at most that many "
        "worker slots on one document; a document arriving later waits behind about this "
        "many pages of each document in progress).",
    )
    stall_after: int = Field(
        900,
        ge=5,
        description="Seconds without progress (and no page held by a live worker) after "
        "which the sweeper queues a document's remaining work again.",
    )
    sweep_interval: int = Field(
        60, ge=1, description="Seconds between two sweeps for lost work (one worker sweeps)."
    )
    worker_concurrency: int = Field(
        default_factory=default_jobs, ge=1, description="Tasks one worker runs at once."
    )
    webhook_secret: str = Field(
        "", description="HMAC key for webhook signatures; default: generated in the data dir"
    )
    webhook_timeout: float = Field(10.0, gt=0, description="Seconds to wait for a webhook.")
    webhook_allow: str = Field(
        "",
        description="Internal webhook receivers allowed (on-premises): comma-separated host "
        "names, IP addresses or CIDR networks, each name or address optionally with :port. "
        "Every other loopback, private, link-local or reserved address is refused.",
    )
    auth_max_failures: int = Field(
        10, ge=1, description="Wrong keys from one address (or for one key id) before a block."
    )
    auth_failure_window: int = Field(
        600, ge=1, description="Seconds over which wrong keys are counted toward a block."
    )
    metrics_token: str = Field(
        "",
        description="Bearer token that may read GET /metrics (a Prometheus scraper has no API "
        "key); empty: admin keys only.",
    )
    default_unit: str = Field("000.00.00.H00", description="Unit code used when none is given.")
    cache_dir: Path = Field(
        Path.home() / ".cache" / "sohoa",
        description="Rebuildable files shared by every deployment on this machine "
        "(the base classifier model, keyed by its corpus).",
    )
    retain_originals_days: int = Field(
        30,
        ge=0,
        description="Days the original scan of a deleted document stays in the object store "
        "(a mistaken deletion can be undone from it); derived files go at once.",
    )
    procedures_file: Path | None = Field(
        None,
        description="A TOML table of the papers each procedure needs (thành phần hồ sơ), "
        "replacing the packaged classifiers/procedures.toml; checked at start-up.",
    )
    hot_folder: Path | None = Field(
        None,
        description="A folder the counter's scanner saves into: `sohoa run` also watches it "
        "(as `sohoa watch`), filing into SOHOA_HOT_FOLDER_UNIT; unset: no hot folder.",
    )
    hot_folder_unit: str | None = Field(
        None,
        description="The unit the hot folder files into (new dossiers named on cover sheets "
        "are opened there); unset: SOHOA_DEFAULT_UNIT.",
    )
    # The unit's signing key for certified electronic copies (certify.signing_keys):
    # a PKCS#12 file or a PKCS#11 token, exactly one; none: certifying is refused.
    signing_pkcs12: Path | None = Field(
        None, description="PKCS#12 (.p12/.pfx) file holding the unit's key and certificate."
    )
    signing_pkcs12_passphrase: str = Field("", description="The PKCS#12 file's passphrase.")
    signing_pkcs11_module: str = Field(
        "", description="The token vendor's PKCS#11 library (.so), for a USB token or HSM."
    )
    signing_pkcs11_token: str = Field("", description="The PKCS#11 token's label.")
    signing_pkcs11_key: str = Field(
        "", description="The key's label on the token (its certificate has the same label)."
    )
    signing_pkcs11_pin: str = Field("", description="The token's user PIN.")
    signing_roots: Path | None = Field(
        None,
        description="PEM file of the root certificates a certified copy's signature must chain "
        "to (the government CA's); required with a signing key (the public verification "
        "page checks copies against it without opening the key).",
    )
    signing_test_ca: bool = Field(
        False,
        description="Sign with a local test CA made in <data_dir>/test-ca (make run, tests): "
        "copies it signs are marked NOT FOR PRODUCTION. Ignored when a real key is set.",
    )
    public_url: str = Field(
        "",
        pattern=r"^(https?://[^\s/?#]+(/[^\s?#]*)?)?$",
        description="The address citizens and other agencies reach sohoa at "
        "(https://sohoa.example.gov.vn): the QR code on a certified copy points to its "
        "verification page there. Required with a signing key; unset (test CA only): the "
        "address the officer's request came to.",
    )
    classifier_threshold: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Below this confidence a document is classified 'other' rather than guessed.",
    )

    @model_validator(mode="after")
    def _redelivery_after_the_hard_limit(self) -> Settings:
        # Redis hands an unacknowledged task to another worker after the visibility
        # timeout: shorter than a page's hard limit, a live page would run twice.
        hard_limit = self.page_time_limit + HARD_LIMIT_GRACE_S
        if self.visibility_timeout <= hard_limit:
            raise ValueError(
                f"SOHOA_VISIBILITY_TIMEOUT ({self.visibility_timeout} s) must be longer than "
                f"SOHOA_PAGE_TIME_LIMIT + {HARD_LIMIT_GRACE_S} s ({hard_limit} s)"
            )
        return self

    @model_validator(mode="after")
    def _signing_key_has_roots(self) -> Settings:
        # Without the roots, the verification page could not say a copy is trusted:
        # refuse at start-up rather than answer "invalid" for every genuine copy.
        if (self.signing_pkcs12 or self.signing_pkcs11_module) and not self.signing_roots:
            raise ValueError("SOHOA_SIGNING_ROOTS is required with a signing key")
        # A real key signs the QR code's address into every copy: it must be the one
        # configured, never the Host header of whichever request asked to certify.
        if (self.signing_pkcs12 or self.signing_pkcs11_module) and not self.public_url:
            raise ValueError("SOHOA_PUBLIC_URL is required with a signing key")
        return self

    @field_validator("webhook_allow")
    @classmethod
    def _webhook_allow_parses(cls, value: str) -> str:
        AllowList.parse(value)  # a typo fails at start-up, not at each delivery
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'sohoa.db').absolute()}"

    @property
    def resolved_broker_url(self) -> str:
        """Redis in production; otherwise a SQLite file (``pipeline.broker``)."""
        embedded = f"sohoa-sqlite+sqlite:///{(self.data_dir / 'broker.sqlite').absolute()}"
        return self.broker_url or embedded

    @property
    def work_dir(self) -> Path:
        """Scratch space of a worker: originals fetched from the store, by checksum."""
        return (self.data_dir / "work").absolute()

    @property
    def resolved_objects_dir(self) -> Path:
        return (self.objects_dir or self.data_dir / "objects").absolute()

    def limits(self) -> Limits:
        return Limits(
            max_file_bytes=self.max_file_mb * 1024 * 1024,
            max_pages=self.max_pages,
            # The pixel guard is the per-page memory budget too: a 150 MP page allowed
            # by max_pixels alone took 3.8 GB, two at once in one worker 7.4 GB.
            max_pixels=min(self.max_pixels, pixels_within(self.page_memory_mb * 1024 * 1024)),
            max_page_content_bytes=self.max_page_content_mb * 1024 * 1024,
        )


@cache
def get_settings() -> Settings:
    return Settings()
