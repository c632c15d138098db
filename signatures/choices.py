"""The verdicts a signed PDF can get, from best to worst (docs/signatures.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Verdict(models.TextChoices):
    VALID = "valid", _("Signed and valid")
    UNTRUSTED = "untrusted", _("Signed, but not by a trusted authority")
    MODIFIED = "modified", _("Modified after signing")
    BROKEN = "broken", _("Signature broken")
    UNSIGNED = "unsigned", _("Not signed")
    UNREADABLE = "unreadable", _("Could not be checked")


#: A file with several signatures takes the worst of theirs: one edit after any signature, or
#: one broken signature, is what a monitor must see first.
SEVERITY = {
    Verdict.VALID: 0,
    Verdict.UNTRUSTED: 1,
    Verdict.MODIFIED: 2,
    Verdict.BROKEN: 3,
}


class Problem(models.TextChoices):
    """Why a PDF could not be checked at all (its verdict is then ``unreadable``)."""

    MALFORMED = "malformed", _("the file is not a readable PDF")
    ENCRYPTED = "encrypted", _("the file is password-protected")
    TOO_LARGE = "too_large", _("the file is too large to check")
    TIMEOUT = "timeout", _("checking took too long")
    FAILED = "failed", _("the checker stopped unexpectedly")


_OUT_OF_VALIDITY = _("the certificate was not valid at that time (expired or not yet valid)")

#: Why one signature got its verdict, in words (codes from ``signatures.validation``).
REASONS = {
    "EXPIRED": _OUT_OF_VALIDITY,
    "NOT_YET_VALID": _OUT_OF_VALIDITY,
    "OUT_OF_BOUNDS_NO_POE": _OUT_OF_VALIDITY,
    "OUT_OF_BOUNDS_NOT_REVOKED": _OUT_OF_VALIDITY,
    "NO_CERTIFICATE_CHAIN_FOUND": _("the certificate does not lead to a trusted root"),
    "REVOKED": _("the certificate was revoked"),
    "CHAIN_CONSTRAINTS_FAILURE": _("the certificate is not allowed to sign documents"),
    "SIG_CONSTRAINTS_FAILURE": _("the certificate is not allowed to sign documents"),
    "digest": _("the signed content no longer matches the signature"),
    "signature": _("the signature value does not verify"),
    "coverage": _("the signature does not cover the document as it is"),
    "OTHER": _("the content was changed in a later revision"),
}


def reason_label(code: str) -> str:
    """A verdict's reason in the reader's language; an unknown code is shown as it is."""
    if not code:
        return ""
    label = REASONS.get(code)
    if label is None:
        try:
            label = Problem(code).label
        except ValueError:
            return code
    return str(label)
