"""How records that outlive a customer's data (the audit trail, logs) name a customer: a keyed hash
of the number (HMAC-SHA256 under the audit key, 128 bits), never the number. An unkeyed hash of a
phone number is reversed by trying every number in seconds."""

from __future__ import annotations

import hashlib
import hmac
import re

from .audit import AuditKeyMissing

# A phone number as people and systems write it: an optional +, then 6 or more digits, maybe spaced.
_NUMBER = re.compile(r"\+?\d(?:[\d\s().\-]{4,}\d)")
_CUSTOMER_FILTER = re.compile(r"(customer:)(\S+)", re.IGNORECASE)


def customer_reference(number: str, key: bytes | None) -> str:
    if key is None:
        raise AuditKeyMissing("naming a customer needs the audit key (CALLREC_STORAGE_AUDIT_KEY)")
    digits = re.sub(r"[^\d+]", "", number)
    return "customer:" + hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()[:32]


def without_numbers(text: str, key: bytes | None) -> str:
    """`text` (a search query, say) with `customer:...` values and phone-number-like runs replaced by
    their references."""
    text = _CUSTOMER_FILTER.sub(lambda m: customer_reference(m.group(2), key), text)
    return _NUMBER.sub(
        lambda m: (
            customer_reference(m.group(0), key) if sum(c.isdigit() for c in m.group(0)) >= 6 else m.group(0)
        ),
        text,
    )
