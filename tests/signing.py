"""Signed PDFs for tests: the sample PKI of ``signatures.samples``, and the uploads and trusted
root the tests of the services, pages and API need."""

from __future__ import annotations

from signatures.samples import (  # noqa: F401  (re-exported for the tests)
    Party,
    Pki,
    make_party,
    modify_after_signing,
    pki,
    plain_pdf,
    sign,
    signed_pdf,
)


def pdf_upload(kind: str = "valid", name: str = "ket-qua.pdf"):
    """A signed PDF as an uploaded file, as a form or the API receives it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, signed_pdf(kind), content_type="application/pdf")


def trust_test_root(actor):
    """Make the test root a trusted root, through the service an administrator uses."""
    from tasks.services import trusted_root_add

    return trusted_root_add(actor=actor, name="Test Root CA", certificate=pki().root.pem)
