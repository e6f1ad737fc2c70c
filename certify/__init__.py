"""Certified electronic copies ("bản sao điện tử có chứng thực"): the unit's signing key
(``signing_keys``) and a local test CA for development (``test_ca``), the attested and
PAdES-signed copy of a searchable PDF/A (``copy``), and checking such a file
(``verify``). Plain functions on plain data: no database, no HTTP; the API records
and serves what these make."""
