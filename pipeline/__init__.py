"""The journey of a document: its stages in order (``journey``) and the runners that
call them (``local_run`` for `sohoa ocr`, ``tasks`` for Celery)."""
