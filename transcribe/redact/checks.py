"""What a run of digits is: payment card (Luhn), Israeli ID (check digit), IBAN (mod 97), phone
formats, expiry dates and security codes, given the cue words said before it."""

from __future__ import annotations

import re
from collections.abc import Sequence


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def israeli_id_valid(digits: str) -> bool:
    if not 5 <= len(digits) <= 9:
        return False
    padded = digits.zfill(9)
    total = sum(sum(divmod(int(d) * (1 + i % 2), 10)) for i, d in enumerate(padded))
    return total % 10 == 0 and padded != "000000000"


def iban_valid(text: str) -> bool:
    text = text.upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", text):
        return False
    rearranged = text[4:] + text[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _is_phone(digits: str) -> bool:
    return bool(
        re.fullmatch(r"05\d{8}", digits)
        or re.fullmatch(r"0[2-489]\d{7}", digits)
        or re.fullmatch(r"9725\d{8}|972[2-489]\d{7}", digits)
        or re.fullmatch(r"1\d{10}", digits)  # +1 numbers
    )


def _is_expiry(digits: str) -> bool:
    if len(digits) == 3:
        digits = "0" + digits
    return len(digits) in (4, 6) and 1 <= int(digits[:2]) <= 12


def classify(digits: str, cues: Sequence[str], iban_letters: str = "") -> str | None:
    """The kind of personal data a run of digits is, given the cue words before it (nearest first):
    the nearest cue the digits fit decides, else their own shape (Luhn, phone formats, ID check digit)."""
    n = len(digits)
    if iban_letters and 12 <= n <= 32 and ("iban" in cues or iban_valid(iban_letters + digits)):
        return "iban"
    fits = {
        "cvv": n in (3, 4),
        "expiry": _is_expiry(digits),
        "card": 12 <= n <= 19,
        "id_number": 5 <= n <= 10,
        "phone": 7 <= n <= 15,
        "iban": 14 <= n <= 32,
    }
    for cue in cues:
        if fits[cue]:
            return cue
    if 13 <= n <= 19 and luhn_valid(digits):
        return "card"
    if _is_phone(digits):
        return "phone"
    if n == 9 and israeli_id_valid(digits):
        return "id_number"
    return None


# Right after a caller reads a card number, the next numbers they say are its expiry and security
# code, even when the question that asked for them was misheard ("and may it fire in aid?").
CARD_FOLLOW_S = 30.0


def readings(pieces: Sequence[str]) -> list[str]:
    """The digits a run can mean: as written, and with a written tens figure and the digit after it
    read as one number, as the model writes "twenty seven" ("12-20-7" is the expiry 12/27)."""
    written = "".join(pieces)
    merged: list[str] = []
    for piece in pieces:
        if merged and re.fullmatch(r"[2-9]0", merged[-1]) and re.fullmatch(r"[1-9]", piece):
            merged[-1] = merged[-1][0] + piece
        else:
            merged.append(piece)
    tens = "".join(merged)
    return [written] if tens == written else [written, tens]


def _code_or_expiry(pieces: Sequence[str]) -> str | None:
    for digits in readings(pieces):
        if _is_expiry(digits):
            return "expiry"
        if len(digits) in (3, 4):
            return "cvv"
    return None


def after_card(pieces: Sequence[str]) -> list[tuple[str, int, int]]:
    """What a run said soon after a card is, as (kind, first piece, last piece) parts: an expiry or a
    code; both in one breath ("twelve twenty seven, three one seven"); or an expiry after misheard
    words the model wrote as digits ("and 5 -8 -12 -20 -7": the answer ends the run, and the whole
    run is covered). Empty when it is none of these."""
    last = len(pieces) - 1
    if kind := _code_or_expiry(pieces):
        return [(kind, 0, last)]
    for cut in range(1, len(pieces)):
        if any(_is_expiry(d) for d in readings(pieces[:cut])) and any(
            len(d) in (3, 4) for d in readings(pieces[cut:])
        ):
            return [("expiry", 0, cut - 1), ("cvv", cut, last)]
    for drop in range(1, len(pieces)):
        if any(_is_expiry(d) for d in readings(pieces[drop:])):
            return [("expiry", 0, last)]
    return []
