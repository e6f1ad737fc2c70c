"""Vietnamese text hygiene for OCR output.

Tesseract's ``vie`` model sometimes answers with look-alike code points that
break search and comparison even though they look right on screen: the
Icelandic eth ``Ð``/``ð`` for ``Đ``/``đ``, decomposed tone marks, or a tone mark
left dangling. Fixing these is safe (no dictionary guess involved), so it is done
to every word.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta, timezone

_LOOKALIKES = str.maketrans(
    {
        "\u00d0": "\u0110",  # Ð (eth) -> Đ
        "\u00f0": "\u0111",  # ð (eth) -> đ
        "\u0189": "\u0110",  # Ɖ (African D) -> Đ
        "\u0256": "\u0111",  # ɖ -> đ
        "\u2010": "-",
        "\u2011": "-",
        "\u00a0": " ",
    }
)


def clean_word(text: str) -> str:
    """NFC, look-alikes replaced, stray combining marks without a base dropped."""
    text = unicodedata.normalize("NFC", text.translate(_LOOKALIKES))
    while text and unicodedata.combining(text[0]):
        text = text[1:]
    return text


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold_accents(text: str) -> str:
    """Accent-free form for search: ``Nguyễn Văn Đặng`` -> ``Nguyen Van Dang``.

    ``Đ`` has no decomposition in Unicode, so it is folded explicitly.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")
"""Vietnam's time (UTC+7, no daylight saving): the day a paper was received is a local day."""
