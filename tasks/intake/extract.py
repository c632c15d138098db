"""The text of a notice from a file: plain text, .docx (python-docx) or .pdf (pypdf)."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_UPLOAD = 10 * 1024 * 1024  # a notice is a few pages; ten megabytes is a scanned annex


def text_from_bytes(name: str, data: bytes) -> str:
    name = name.lower()
    try:
        if name.endswith(".docx"):
            import docx

            document = docx.Document(io.BytesIO(data))
            lines = [p.text for p in document.paragraphs]
            for table in document.tables:
                for row in table.rows:
                    lines.append(" ".join(cell.text for cell in row.cells))
            return "\n".join(lines)
        if name.endswith(".pdf"):
            from pypdf import PdfReader

            reader = PdfReader(io.BytesIO(data))
            return "\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception as exc:  # a damaged file is the user's input error, told as such
        raise ValidationError(_("The file could not be read: %(error)s") % {"error": exc}) from exc
    if name.endswith((".txt", ".text", ".md")) or "." not in name.rsplit("/", 1)[-1]:
        for encoding in ("utf-8-sig", "utf-16", "cp1258"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise ValidationError(_("The text file is not in UTF-8, UTF-16 or Windows-1258."))
    raise ValidationError(_("Upload a .txt, .docx or .pdf file."))
