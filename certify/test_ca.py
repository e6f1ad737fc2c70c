"""A local certificate authority for tests and development: never for production.

Real certified copies are signed with the unit's certificate from the government CA
(a USB token, or a PKCS#12 file). Tests and ``make run`` need a key that exists on a
machine without network or token, so this module makes one: a root CA and a unit's
signing certificate, both named ``sohoa TEST CA — NOT FOR PRODUCTION`` so that anyone
who opens a copy signed with them (in a PDF viewer's signature panel, in the visible
signature text on page 1) reads at once that it proves nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

TEST_MARK = "sohoa TEST CA — NOT FOR PRODUCTION"
"""In every name the test CA writes: the root's CN and O, the unit certificate's O (its
CN is the unit's name, cut to the 64 characters X.509 allows: RFC 5280 ub-common-name)."""

MAX_COMMON_NAME = 64

RSA_BITS = 2048
"""RSA, not ECDSA: an RSA PKCS#1 v1.5 signature is a function of the data, so a copy
signed twice at the same time is the same bytes (ECDSA draws a nonce); 2048 bits is
the smallest size current validators accept, and SoftHSM imports it."""

ROOT_YEARS = 10
UNIT_YEARS = 2
"""Lifetimes: long enough that a development data folder does not expire under the
developer (``development_key`` makes a new one when it has)."""

P12_FILE = "test-unit.p12"
ROOT_FILE = "test-root.pem"
PASSPHRASE_FILE = "test-unit.passphrase"


@dataclass(frozen=True)
class LocalAuthority:
    """A root CA and one unit's signing certificate and key, as bytes ready to write."""

    root_pem: bytes
    unit_cert_pem: bytes
    unit_key_pem: bytes = field(repr=False)
    p12: bytes = field(repr=False)
    passphrase: str = field(repr=False)


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, digital_signature: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=digital_signature,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def make_test_authority(
    unit_name: str = "Ủy ban nhân dân xã thử nghiệm",
    *,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    digital_signature: bool = True,
    passphrase: str | None = None,
) -> LocalAuthority:
    """A fresh root and a signing certificate for ``unit_name``.

    ``not_before``/``not_after`` bound the unit certificate (default: from an hour ago
    for ``UNIT_YEARS``): the tests make an expired or not-yet-valid one with them.
    ``digital_signature=False`` leaves the key-usage bits a signing key needs unset,
    as an encryption-only certificate would.
    """
    now = datetime.now(UTC)
    start = not_before or now - timedelta(hours=1)
    end = not_after or start + timedelta(days=365 * UNIT_YEARS)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    root_name = _name(TEST_MARK, TEST_MARK)
    root_ski = x509.SubjectKeyIdentifier.from_public_key(root_key.public_key())
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(min(start, now) - timedelta(days=1))
        .not_valid_after(max(end, now) + timedelta(days=365 * ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(digital_signature=False, ca=True), critical=True)
        .add_extension(root_ski, critical=False)
        .sign(root_key, hashes.SHA256())
    )
    unit_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    unit = (
        x509.CertificateBuilder()
        .subject_name(_name(unit_name[:MAX_COMMON_NAME], TEST_MARK))
        .issuer_name(root_name)
        .public_key(unit_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=digital_signature, ca=False), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(unit_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    secret = passphrase if passphrase is not None else secrets.token_urlsafe(18)
    p12 = pkcs12.serialize_key_and_certificates(
        name=b"sohoa-test-unit",
        key=unit_key,
        cert=unit,
        cas=[root],
        encryption_algorithm=serialization.BestAvailableEncryption(secret.encode()),
    )
    return LocalAuthority(
        root_pem=root.public_bytes(serialization.Encoding.PEM),
        unit_cert_pem=unit.public_bytes(serialization.Encoding.PEM),
        unit_key_pem=unit_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        p12=p12,
        passphrase=secret,
    )


@dataclass(frozen=True)
class LocalKeyFiles:
    """Where ``development_key`` keeps the test CA: what a PKCS#12 setting points at."""

    p12: Path
    passphrase: str = field(repr=False)
    root_pem: Path


def development_key(
    folder: Path, unit_name: str = "Ủy ban nhân dân xã thử nghiệm"
) -> LocalKeyFiles:
    """The test CA under ``folder`` (the data folder of ``make run``), made on first use.

    Made here, never downloaded; kept so that copies signed yesterday still verify
    against the same root today. A certificate that has expired is replaced.
    """
    folder.mkdir(parents=True, exist_ok=True)
    p12_path, root_path = folder / P12_FILE, folder / ROOT_FILE
    secret_path = folder / PASSPHRASE_FILE
    if p12_path.is_file() and root_path.is_file() and secret_path.is_file():
        secret = secret_path.read_text().strip()
        _, cert, _ = pkcs12.load_key_and_certificates(p12_path.read_bytes(), secret.encode())
        if cert is not None and cert.not_valid_after_utc > datetime.now(UTC) + timedelta(days=1):
            return LocalKeyFiles(p12_path, secret, root_path)
    authority = make_test_authority(unit_name)
    for path, data in (
        (secret_path, authority.passphrase.encode()),
        (p12_path, authority.p12),
        (root_path, authority.root_pem),
    ):
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_bytes(data)
        temporary.chmod(0o600)
        temporary.replace(path)
    return LocalKeyFiles(p12_path, authority.passphrase, root_path)
