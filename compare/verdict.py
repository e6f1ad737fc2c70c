"""The verdict and the sentence the officer reads.

The engine never passes a comparison it could not really make: a transform it
does not trust, OCR it cannot rely on, too many words whose two readings
disagree, or printed digits it could not check all send the page to a person.
Differences it did confirm are reported as such even when other parts of the
page went unchecked (the line then says what else to look at).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from compare.comparison_types import PageComparison, Verdict

# Mean word confidence (0–100, character-weighted) below which OCR is not relied on.
MIN_OCR_CONFIDENCE = 60.0
# Nor when more than this share of a page's words read below LOW_WORD_CONFIDENCE:
# a blurred copy can average 65 on its clear lines while a fifth of it is guessed
# (a clean scan has none, a page under a seal and a signature ~6 %).
LOW_WORD_CONFIDENCE = 50.0
MAX_LOW_WORD_SHARE = 0.15
# A copy that lies well on the original yet differs in this many places (or
# share of its words) is misread or another paper: a person decides which.
MANY_DIFFERENCES = 8
MANY_DIFFERENCES_SHARE = 0.10
# Beyond this share of the original's words lying under coloured ink (a colour
# background, seals everywhere) the pixels have checked too little of the text.
MAX_TEXT_UNDER_COLOUR = 0.3
# More OCR-uncertain words than this (or this share of the page's words) and the
# text comparison is too shaky to call the pages identical.
MAX_UNCERTAIN_WORDS = 3
MAX_UNCERTAIN_SHARE = 0.05


@dataclass(frozen=True)
class Evidence:
    """What the verdict is decided from."""

    registration_ok: bool
    confidence_original: float
    confidence_copy: float
    low_word_share: float  # the larger of the two pages' shares of low-confidence words
    words_original: int
    words_copy: int
    uncertain: int
    differences: int
    critical: int
    # OCR-uncertain changes of printed digits of the original that the pixels
    # could not check (under a seal or a signature): a date there may have
    # been altered. ``uncertain`` counts those too, but not the text of the
    # seals themselves (``TextOp.colour_mark_text``).
    unverified_critical: int = 0
    text_under_colour: float = 0.0  # share of the original's words under coloured ink


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str
    line: str


def uncertain_limit(words: int) -> int:
    return max(MAX_UNCERTAIN_WORDS, round(MAX_UNCERTAIN_SHARE * words))


def quality_reason(e: Evidence) -> tuple[str, str] | None:
    """Why nothing found on the page can be trusted, differences included."""
    if not e.registration_ok:
        return (
            "registration_failed",
            "không căn chỉnh được bản sao với bản chính "
            "(ảnh quá mờ, bị cắt, hoặc không phải cùng một giấy tờ)",
        )
    if not e.words_original or not e.words_copy:
        return "no_text", "không đọc được chữ trên một trong hai trang"
    if (
        min(e.confidence_original, e.confidence_copy) < MIN_OCR_CONFIDENCE
        or e.low_word_share > MAX_LOW_WORD_SHARE
    ):
        return (
            "low_ocr_confidence",
            f"chất lượng nhận dạng chữ thấp (bản chính {e.confidence_original:.0f}/100, "
            f"bản sao {e.confidence_copy:.0f}/100, {e.low_word_share:.0%} số từ đọc kém)",
        )
    words = max(e.words_original, e.words_copy)
    if e.differences > max(MANY_DIFFERENCES, round(MANY_DIFFERENCES_SHARE * words)):
        return (
            "too_many_differences",
            "quá nhiều điểm khác nhau (ảnh kém hoặc không phải cùng một giấy tờ)",
        )
    return None


def coverage_reason(e: Evidence) -> tuple[str, str] | None:
    """Why "no difference found" would not mean "none there": too much went unchecked."""
    if e.uncertain > uncertain_limit(max(e.words_original, e.words_copy)):
        return "many_ocr_uncertain", f"{e.uncertain} từ nhận dạng không chắc chắn"
    if e.text_under_colour > MAX_TEXT_UNDER_COLOUR:
        return (
            "text_under_colour",
            f"{e.text_under_colour:.0%} chữ nằm dưới mực màu (dấu, chữ ký, nền màu), "
            "không đối chiếu được bằng ảnh",
        )
    if e.unverified_critical:
        return (
            "unverified_digits",
            f"{e.unverified_critical} chỗ có chữ số nằm dưới dấu/chữ ký màu, "
            "OCR đọc khác nhau và không đối chiếu được bằng ảnh",
        )
    return None


def differences_phrase(count: int, critical: int) -> str:
    phrase = f"Phát hiện {count} điểm khác nhau"
    if critical:
        phrase += f", trong đó {critical} điểm có chữ số (số giấy tờ, ngày tháng, số tiền)"
    return phrase


def decide(e: Evidence) -> Decision:
    """Poor inputs first (then nothing found can be trusted), then differences, which
    settle the question even where other parts went unchecked, then unchecked parts."""
    quality = quality_reason(e)
    if quality is not None:
        code, words = quality
        line = f"Cần kiểm tra thủ công: {words}"
        if e.differences:
            line += f"; {differences_phrase(e.differences, e.critical).lower()}"
        return Decision("manual_check", code, line)
    coverage = coverage_reason(e)
    if e.differences:
        line = differences_phrase(e.differences, e.critical)
        if coverage is not None:
            line += f"; cần xem thêm: {coverage[1]}"
        return Decision("differences", "differences_found", line)
    if coverage is not None:
        code, words = coverage
        return Decision("manual_check", code, f"Cần kiểm tra thủ công: {words}")
    line = "Nội dung giống nhau"
    if e.uncertain:
        line += f" ({e.uncertain} chỗ OCR đọc không chắc chắn, không tính là khác biệt)"
    return Decision("identical", "identical", line)


def decide_document(pages: Sequence[PageComparison]) -> Decision:
    """Worst page wins: any page to check makes the document one to check."""
    if not pages:
        return Decision("manual_check", "no_pages", "Cần kiểm tra thủ công: không có trang nào")
    numbers = {
        verdict: [str(i + 1) for i, p in enumerate(pages) if p.verdict == verdict]
        for verdict in ("manual_check", "differences")
    }
    total = sum(p.difference_count for p in pages)
    if numbers["manual_check"]:
        line = f"Cần kiểm tra thủ công: trang {', '.join(numbers['manual_check'])}"
        if total:
            line += f"; phát hiện {total} điểm khác nhau"
        return Decision("manual_check", "page_needs_manual_check", line)
    if numbers["differences"]:
        return Decision(
            "differences",
            "differences_found",
            f"Phát hiện {total} điểm khác nhau (trang {', '.join(numbers['differences'])})",
        )
    return Decision("identical", "identical", f"Nội dung giống nhau ({len(pages)} trang)")
