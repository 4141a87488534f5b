"""Identity numbers in the record: masking for logs and the audit trail."""

from __future__ import annotations

import re


def mask_id(number: str) -> str:
    """Keep the address code and the last four characters: ``110105********002X``."""
    text = number.strip()
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def mask_ids_in(text: str) -> str:
    """Mask every identity number inside free text (log lines, URLs)."""
    return _ID_IN_TEXT.sub(lambda m: m.group(1) + "********" + m.group(2)[-4:], text)
