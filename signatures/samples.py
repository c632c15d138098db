"""A small PKI and signed sample PDFs, made with `cryptography` and signed with pyHanko, for the
tests and the benchmark (nothing here is trusted unless an administrator adds its root).

A test root signs an intermediate, which signs a leaf (a named official of a ministry); an
expired leaf under the same intermediate; and a self-made root with its own leaf, which no one
trusts. Keys are EC P-256: quick to make, so each test session builds its own.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from functools import cache

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign import signers, timestamps
from pyhanko_certvalidator.registry import SimpleCertificateStore

NOW = dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Party:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def asn1(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.der)

    def asn1_key(self) -> asn1_keys.PrivateKeyInfo:
        return asn1_keys.PrivateKeyInfo.load(
            self.key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )


def _name(common: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def make_party(
    common: str,
    organisation: str,
    *,
    issuer: Party | None = None,
    ca: bool = False,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    time_stamping: bool = False,
) -> Party:
    # pyHanko's test time-stamper signs with RSA only; everyone else gets a quick EC key.
    key = rsa.generate_private_key(65537, 2048) if time_stamping else ec.generate_private_key(ec.SECP256R1())
    subject = _name(common, organisation)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - dt.timedelta(days=365))
        .not_valid_after(not_after or NOW + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    # A CA signs certificates; a leaf signs documents (non-repudiation, which pyHanko requires).
    usage = {
        "key_cert_sign": ca,
        "crl_sign": ca,
        "digital_signature": not ca,
        "content_commitment": not ca,
    }
    builder = builder.add_extension(
        x509.KeyUsage(
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            encipher_only=False,
            decipher_only=False,
            **usage,
        ),
        critical=True,
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    if time_stamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    cert = builder.sign(issuer.key if issuer is not None else key, hashes.SHA256())  # self-signed without one
    return Party(cert=cert, key=key)


@dataclass(frozen=True)
class Pki:
    root: Party
    intermediate: Party
    leaf: Party
    second_leaf: Party
    expired_leaf: Party
    tsa: Party
    stranger_root: Party
    stranger_leaf: Party


@cache
def pki() -> Pki:
    """Made once per test process (EC keys take a millisecond; the certificates are reused)."""
    root = make_party("Test Root CA", "Ban Co yeu Chinh phu (test)", ca=True)
    intermediate = make_party("Test Signing CA", "Ban Co yeu Chinh phu (test)", issuer=root, ca=True)
    leaf = make_party("Nguyễn Văn An", "Bộ Công an", issuer=intermediate)
    second_leaf = make_party("Trần Thị Bình", "Bộ Công an", issuer=intermediate)
    expired_leaf = make_party(
        "Lê Văn Cũ",
        "Bộ Công an",
        issuer=intermediate,
        not_before=NOW - dt.timedelta(days=800),
        not_after=NOW - dt.timedelta(days=30),
    )
    tsa = make_party("Test Time Stamping Authority", "Ban Co yeu (test)", issuer=root, time_stamping=True)
    stranger_root = make_party("Self-made Root", "Nobody", ca=True)
    stranger_leaf = make_party("Phạm Giả Mạo", "Công ty Không Tên", issuer=stranger_root)
    return Pki(root, intermediate, leaf, second_leaf, expired_leaf, tsa, stranger_root, stranger_leaf)


def plain_pdf(text: str = "Bao cao ket qua thuc hien nhiem vu", *, password: str | None = None) -> bytes:
    """A one-page PDF written with pyHanko's own writer; with ``password``, encrypted (AES-256)
    so that it opens only with it (an empty one locks editing only)."""
    writer = PdfFileWriter()
    if password is not None:
        writer.encrypt("owner-secret", password)
    content = generic.StreamObject(
        stream_data=b"BT /F1 12 Tf 72 720 Td (" + text.encode("ascii", "replace") + b") Tj ET"
    )
    font = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Font"),
            generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
            generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica"),
        }
    )
    page = generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Page"),
            generic.pdf_name("/MediaBox"): generic.ArrayObject(
                [generic.NumberObject(n) for n in (0, 0, 595, 842)]
            ),
            generic.pdf_name("/Contents"): writer.add_object(content),
            generic.pdf_name("/Resources"): generic.DictionaryObject(
                {
                    generic.pdf_name("/Font"): generic.DictionaryObject(
                        {generic.pdf_name("/F1"): writer.add_object(font)}
                    )
                }
            ),
        }
    )
    writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sign(
    pdf: bytes,
    signer: Party,
    *,
    chain: tuple[Party, ...] = (),
    field: str = "Signature1",
    timestamp_by: Party | None = None,
    password: str | None = None,
) -> bytes:
    """``pdf`` with one more signature, appended as an incremental update."""
    registry = SimpleCertificateStore.from_certs([p.asn1() for p in chain])
    cms_signer = signers.SimpleSigner(
        signing_cert=signer.asn1(), signing_key=signer.asn1_key(), cert_registry=registry
    )
    timestamper = None
    if timestamp_by is not None:
        timestamper = timestamps.DummyTimeStamper(
            tsa_cert=timestamp_by.asn1(), tsa_key=timestamp_by.asn1_key()
        )
    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    if password is not None:
        writer.encrypt(password)
    signers.sign_pdf(
        writer,
        signers.PdfSignatureMetadata(field_name=field),
        signer=cms_signer,
        timestamper=timestamper,
        output=out,
    )
    return out.getvalue()


def signed_pdf(kind: str = "valid") -> bytes:
    """A PDF for each verdict the tests check."""
    p = pki()
    if kind == "valid":
        return sign(plain_pdf(), p.leaf, chain=(p.intermediate,))
    if kind == "timestamped":
        return sign(plain_pdf(), p.leaf, chain=(p.intermediate,), timestamp_by=p.tsa)
    if kind == "two_signers":
        first = sign(plain_pdf(), p.leaf, chain=(p.intermediate,))
        return sign(first, p.second_leaf, chain=(p.intermediate,), field="Signature2")
    if kind == "expired":
        return sign(plain_pdf(), p.expired_leaf, chain=(p.intermediate,))
    if kind == "self_made":
        return sign(plain_pdf(), p.stranger_leaf, chain=(p.stranger_root,))
    if kind == "modified":
        return modify_after_signing(sign(plain_pdf(), p.leaf, chain=(p.intermediate,)))
    if kind == "locked_for_editing":
        return sign(plain_pdf(password=""), p.leaf, chain=(p.intermediate,), password="")
    if kind == "broken":
        return break_signature(sign(plain_pdf(), p.leaf, chain=(p.intermediate,)))
    raise ValueError(kind)


def modify_after_signing(pdf: bytes) -> bytes:
    """An incremental update that rewrites the signed page's text (what a forger would do)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    new_content = generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 720 Td (Forged result) Tj ET")
    page[generic.pdf_name("/Contents")] = writer.add_object(new_content)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def break_signature(pdf: bytes) -> bytes:
    """The same bytes with one byte of the signed text changed in place: the digest fails."""
    at = pdf.index(b"(Bao cao")
    return pdf[: at + 1] + b"X" + pdf[at + 2 :]
