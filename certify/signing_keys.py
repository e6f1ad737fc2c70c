"""The unit's signing key: a PKCS#12 file or a PKCS#11 token, checked before use.

Production signs with the certificate the government CA issued to the unit, usually
on a USB token (PKCS#11); a PKCS#12 file is the other form CAs hand out. Both are
described by plain settings values (``key_config``) and opened into a ``Signer``
(``open_signer``) that knows its certificate. A key that cannot make a valid
signature is refused *before* anything is numbered or signed, with a stable code
the API can show (``KeyRefused.code``): signing with an expired certificate would
produce a copy that every validator rejects, yet looks issued.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from cryptography import x509
from cryptography.x509.oid import NameOID
from pyhanko.sign.signers import Signer as PyHankoSigner
from pyhanko.sign.signers import SimpleSigner

NO_KEY = "no_key_configured"
AMBIGUOUS_KEY = "ambiguous_key"
KEY_UNAVAILABLE = "key_unavailable"
EXPIRED = "certificate_expired"
NOT_YET_VALID = "certificate_not_yet_valid"
NOT_FOR_SIGNING = "certificate_not_for_signing"
"""The refusal codes: stable, for the API's error body and the tests."""

MESSAGES = {
    NO_KEY: "Chưa cấu hình khóa ký số của đơn vị",
    AMBIGUOUS_KEY: "Cấu hình cả tệp PKCS#12 lẫn thiết bị PKCS#11: chỉ được chọn một",
    KEY_UNAVAILABLE: "Không mở được khóa ký số (sai mật khẩu, PIN, tệp hoặc thiết bị)",
    EXPIRED: "Chứng thư số của đơn vị đã hết hạn",
    NOT_YET_VALID: "Chứng thư số của đơn vị chưa có hiệu lực",
    NOT_FOR_SIGNING: "Chứng thư số không dùng để ký số (thiếu digitalSignature)",
}
"""What an officer reads for each code (Vietnamese, as the counter's pages are)."""


class KeyRefused(Exception):
    """The configured key cannot sign; ``code`` is one of the constants above."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {MESSAGES[code]}" + (f" ({detail})" if detail else ""))


@dataclass(frozen=True)
class Pkcs12Key:
    """A PKCS#12 (.p12/.pfx) file holding the unit's key and certificate (and chain)."""

    path: Path
    passphrase: str = field(repr=False)


@dataclass(frozen=True)
class Pkcs11Key:
    """A key on a PKCS#11 token: the vendor's module, the token, the key and its PIN.

    ``cert_label`` defaults to ``key_label``: tokens from Vietnamese CAs store the
    certificate beside the key under the same label."""

    module: str
    token_label: str
    key_label: str
    pin: str = field(repr=False)
    cert_label: str | None = None


KeyConfig = Pkcs12Key | Pkcs11Key


def key_config(
    *,
    pkcs12_path: str | Path | None = None,
    pkcs12_passphrase: str = "",
    pkcs11_module: str | None = None,
    pkcs11_token_label: str = "",
    pkcs11_key_label: str = "",
    pkcs11_pin: str = "",
) -> KeyConfig:
    """The key that settings-like plain values describe; empty values mean "not set".

    Exactly one of a PKCS#12 file and a PKCS#11 module must be set: signing with a
    key other than the one the administrator meant is worse than refusing.
    """
    if pkcs12_path and pkcs11_module:
        raise KeyRefused(AMBIGUOUS_KEY)
    if pkcs12_path:
        return Pkcs12Key(Path(pkcs12_path), pkcs12_passphrase)
    if pkcs11_module:
        if not pkcs11_key_label:
            raise KeyRefused(NO_KEY, "PKCS#11 key label missing")
        return Pkcs11Key(pkcs11_module, pkcs11_token_label, pkcs11_key_label, pkcs11_pin)
    raise KeyRefused(NO_KEY)


@dataclass
class Signer:
    """An opened key: what pyHanko signs with, and the certificate it signs as.

    Close it (or use it as a context manager): a PKCS#11 session holds the token."""

    backend: PyHankoSigner
    certificate: x509.Certificate
    _close: Callable[[], None] | None = None

    @property
    def name(self) -> str:
        """The signer's name as the copy shows it (``display_name``)."""
        return display_name(self.certificate)

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> Signer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def display_name(certificate: x509.Certificate) -> str:
    """The certificate's CN, followed by its O when that says more: a unit's CA-issued
    certificate names the unit in CN and its parent body in O, and the test CA's O
    says it is not for production."""
    subject = certificate.subject
    parts = [
        str(values[0].value)
        for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME)
        if (values := subject.get_attributes_for_oid(oid))
    ]
    if len(parts) == 2 and parts[1] in parts[0]:
        parts.pop()
    return ", ".join(parts) or subject.rfc4514_string()


def check_certificate(certificate: x509.Certificate, at: datetime) -> None:
    """Refuse a certificate that cannot sign at ``at``: out of its validity period,
    or without the digitalSignature key usage (RFC 5280 §4.2.1.3) that PAdES
    validators require of a signing certificate."""
    if at < certificate.not_valid_before_utc:
        raise KeyRefused(NOT_YET_VALID, f"valid from {certificate.not_valid_before_utc}")
    if at > certificate.not_valid_after_utc:
        raise KeyRefused(EXPIRED, f"expired {certificate.not_valid_after_utc}")
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return  # no KeyUsage extension: every usage is allowed (RFC 5280 §4.2.1.3)
    if not usage.digital_signature:
        raise KeyRefused(NOT_FOR_SIGNING)


def _crypto_certificate(asn1_certificate: object) -> x509.Certificate:
    return x509.load_der_x509_certificate(asn1_certificate.dump())  # type: ignore[attr-defined]


def _open_pkcs12(config: Pkcs12Key) -> Signer:
    try:
        data = config.path.read_bytes()
        backend = SimpleSigner.load_pkcs12_data(
            data, other_certs=(), passphrase=config.passphrase.encode() or None
        )
    except (OSError, ValueError) as error:
        raise KeyRefused(KEY_UNAVAILABLE, f"{config.path}: {error}") from error
    return Signer(backend, _crypto_certificate(backend.signing_cert))


def _open_pkcs11(config: Pkcs11Key) -> Signer:
    # Imported here: python-pkcs11 loads a native library that a PKCS#12 setup never needs.
    import pkcs11
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    try:
        session = open_pkcs11_session(
            config.module,
            token_criteria=TokenCriteria(label=config.token_label or None),
            user_pin=config.pin or None,
        )
    except (pkcs11.PKCS11Error, OSError, RuntimeError) as error:
        raise KeyRefused(KEY_UNAVAILABLE, f"{config.module}: {error!r}") from error
    try:
        backend = PKCS11Signer(
            session,
            cert_label=config.cert_label or config.key_label,
            key_label=config.key_label,
        )
        certificate = _crypto_certificate(backend.signing_cert)
    except Exception as error:  # the token's library raises its own types
        session.close()
        raise KeyRefused(KEY_UNAVAILABLE, f"{config.key_label}: {error!r}") from error
    return Signer(backend, certificate, session.close)


def open_signer(config: KeyConfig | None, *, at: datetime | None = None) -> Signer:
    """Open the configured key and check that its certificate can sign at ``at`` (now).

    Raises ``KeyRefused`` with a stable code; a returned ``Signer`` must be closed."""
    if config is None:
        raise KeyRefused(NO_KEY)
    signer = _open_pkcs12(config) if isinstance(config, Pkcs12Key) else _open_pkcs11(config)
    try:
        check_certificate(signer.certificate, at or datetime.now(UTC))
    except KeyRefused:
        signer.close()
        raise
    return signer
