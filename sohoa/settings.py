"""The one settings object, read from the environment (``SOHOA_*``) and ``.env``.

Command-line options override it for a single run; code below the CLI receives
immutable options built from it and never reads the environment itself.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.errors import Limits
from pipeline.context import OcrOptions, default_jobs


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOHOA_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where the embedded default keeps its files.")
    lang: str = Field("vie", description="Tesseract languages, e.g. vie or vie+eng.")
    jobs: int = Field(default_factory=default_jobs, ge=1, description="Pages processed at once.")
    jpeg_quality: int = Field(60, ge=20, le=95, description="JPEG quality of page images.")
    max_file_mb: int = Field(512, ge=1, description="Largest accepted scan file, MiB.")
    max_pages: int = Field(2000, ge=1, description="Most pages accepted in one file.")
    max_pixels: int = Field(150_000_000, ge=1_000_000, description="Most pixels in one page.")

    def limits(self) -> Limits:
        return Limits(
            max_file_bytes=self.max_file_mb * 1024 * 1024,
            max_pages=self.max_pages,
            max_pixels=self.max_pixels,
        )

    def ocr_options(self, **overrides: object) -> OcrOptions:
        values = {
            "lang": self.lang,
            "jobs": self.jobs,
            "jpeg_quality": self.jpeg_quality,
            "limits": self.limits(),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return OcrOptions(**values)  # type: ignore[arg-type]


@cache
def get_settings() -> Settings:
    return Settings()
