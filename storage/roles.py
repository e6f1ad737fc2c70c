"""The roles an API key can hold, apart from the tables so the CLI can list them cheaply.

``sohoa ocr`` imports the CLI module that offers ``keys create --role``; reading the
roles from ``storage.models`` would load SQLAlchemy and every table (about half a
second) into every OCR run.
"""

API_KEY_ROLES = ("clerk", "officer", "system", "intake", "admin")
"""What a key may do (``api.security``): clerks read and write, officers read and
verify, systems only read, intake software (the one-stop system) reads and submits
dossiers and scans, each in its granted units; admins do all, everywhere."""
