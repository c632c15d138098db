"""Reading a certificate an administrator uploads as a trusted root (PEM or DER)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.utils.translation import gettext as _

MAX_CERTIFICATE_BYTES = 64 * 1024  # a CA certificate is a few kilobytes


class CertificateError(ValueError):
    """The upload is not one X.509 certificate; the message says why, in the user's language."""


@dataclass(frozen=True)
class CertificateInfo:
    der: bytes
    subject: str
    common_name: str
    fingerprint_sha256: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    is_ca: bool


def read_certificate(data: bytes) -> CertificateInfo:
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise CertificateError(_("A certificate is a few kilobytes; this file is too large to be one."))
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            cert = x509.load_pem_x509_certificate(data)
        else:
            cert = x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise CertificateError(_("This is not an X.509 certificate in PEM or DER form.")) from exc
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return CertificateInfo(
        der=cert.public_bytes(serialization.Encoding.DER),
        subject=cert.subject.rfc4514_string()[:1000],
        common_name=str(names[0].value) if names else "",
        fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
        valid_from=cert.not_valid_before_utc,
        valid_until=cert.not_valid_after_utc,
        is_ca=is_ca,
    )
