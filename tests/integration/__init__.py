"""Real parts together: Tesseract and poppler, the database (SQLite and PostgreSQL),
the object store (a folder and S3), Redis and Celery workers, the CLI as a process."""
