"""The command line: `sohoa ocr`, `ingest`, `serve`, `worker`, `run` and the admin commands."""
