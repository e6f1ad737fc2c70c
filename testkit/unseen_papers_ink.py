"""Ink and damage for :mod:`testkit.unseen_papers`: the copy-certification stamp, security
backgrounds, photocopying, scanner damage and phone photos.

The certification stamp is what a commune officer adds to a photocopy, so it is drawn
on a separate layer, rotated a few degrees and multiplied into the page in red, purple,
blue or black ink, with its numbers sometimes handwritten: the classifier must tell
a certified copy by this stamp whatever its ink, and must not read its numbers and
date as the document's own.
"""

from __future__ import annotations

import math
import random
from datetime import date

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from testkit import pagegen
from testkit.unseen_papers_draw import font, nfc

STAMP_INKS: dict[str, tuple[int, int, int]] = {
    "red": (205, 30, 45),
    "purple": (110, 40, 150),
    "blue": (30, 50, 170),
    "black": (35, 35, 35),
}


def blend(img: Image.Image, alpha: Image.Image, colour: tuple[int, int, int], at: tuple[int, int]):
    """Multiply ``colour`` into ``img`` where ``alpha`` (L) is inked; text underneath stays."""
    page = np.asarray(img.convert("RGB"), dtype=np.float32).copy()
    ink = np.asarray(alpha, dtype=np.float32) / 255
    x0, y0 = at
    sx, sy = max(0, -x0), max(0, -y0)
    px0, py0 = max(0, x0), max(0, y0)
    px1, py1 = min(page.shape[1], x0 + ink.shape[1]), min(page.shape[0], y0 + ink.shape[0])
    if px1 <= px0 or py1 <= py0:
        return img.convert("RGB")
    ink = ink[sy : sy + py1 - py0, sx : sx + px1 - px0, None]
    page[py0:py1, px0:px1] *= 1 - ink * (1 - np.asarray(colour, dtype=np.float32) / 255)
    return Image.fromarray(np.clip(page + 0.5, 0, 255).astype(np.uint8), "RGB")


def _hand(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, px: int, r: random.Random):
    """Handwritten digits: the script face, each character jittered in place and size."""
    x, y = xy
    for ch in text:
        f = font("hand", round(px * r.uniform(1.05, 1.3)))
        draw.text((x, y + r.uniform(-0.12, 0.12) * px), ch, font=f, fill=255, anchor="ls")
        x += f.getlength(ch) + r.uniform(0, 0.1) * px


def certification_stamp(
    img: Image.Image,
    dpi: int,
    r: random.Random,
    when: date,
    number: int,
    book: str,
    officer: str,
    place: tuple[float, float] | None = None,
) -> tuple[Image.Image, str]:
    """Stamp "CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH" with its number, book, date and
    officer; returns the page and the ink used."""
    ink = r.choice(("red", "red", "purple", "purple", "blue", "black"))
    handwritten = r.random() < 0.5
    unit = dpi / 25.4
    w, h = round(100 * unit), round(46 * unit)
    layer = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(layer)
    big, small = round(3.5 * unit), round(3.3 * unit)
    d.rectangle((2, 2, w - 3, h - 3), outline=255, width=max(2, round(0.5 * unit)))
    d.text(
        (w / 2, 3 * unit),
        "CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH",
        font=font("sans-b", big),
        fill=255,
        anchor="ma",
    )
    rows = [
        ("Số chứng thực: ", str(number), "    Quyển số: ", book),
        ("Ngày ", f"{when.day:02d}", " tháng ", f"{when.month:02d}", " năm ", str(when.year)),
    ]
    y = 11 * unit
    for row in rows:
        x = 4 * unit
        for i, part in enumerate(row):
            if i % 2 == 1 and handwritten:
                _hand(d, (x, y + small), part, small, r)
                x += font("hand", small).getlength(part) * 1.2 + 0.5 * unit
            else:
                f = font("sans", small)
                d.text((x, y + small), nfc(part), font=f, fill=255, anchor="ls")
                x += f.getlength(nfc(part))
        y += 6.5 * unit
    d.text(
        (w / 2, y), "NGƯỜI THỰC HIỆN CHỨNG THỰC", font=font("sans-b", small), fill=255, anchor="ma"
    )
    d.text(
        (w / 2, y + 5 * unit),
        "(Ký, ghi rõ họ tên và đóng dấu)",
        font=font("sans", small - 4),
        fill=255,
        anchor="ma",
    )
    d.text((w / 2, h - 4 * unit), nfc(officer), font=font("sans-b", small), fill=255, anchor="ms")
    layer = layer.rotate(r.uniform(-5, 5), resample=Image.Resampling.BICUBIC, expand=True)
    coverage = np.asarray(layer, dtype=np.float32) / 255
    coverage *= r.uniform(0.7, 0.95)
    coverage *= np.random.default_rng(r.randrange(1 << 30)).random(coverage.shape) > 0.05
    layer = Image.fromarray((coverage * 255).astype(np.uint8), "L")
    layer = layer.filter(ImageFilter.GaussianBlur(0.6))
    if place is None:
        place = (r.uniform(0.03, 0.45) * img.width, r.uniform(0.66, 0.8) * img.height)
    at = (round(place[0]), round(place[1]))
    return blend(img, layer, STAMP_INKS[ink], at), ink


def seal(img: Image.Image, seed: int, centre: tuple[int, int], dpi: int, text: str) -> Image.Image:
    """The round red seal of the issuing body (``testkit.pagegen``'s), at ``centre``."""
    return pagegen.red_seal(img, seed, centre, dpi=dpi, text=text)


def guilloche(img: Image.Image, r: random.Random, colour: tuple[int, int, int]) -> Image.Image:
    """Fine interlaced sine curves over the whole sheet, as on security paper."""
    layer = Image.new("L", img.size, 0)
    d = ImageDraw.Draw(layer)
    w, h = img.size
    step = max(6, w // 90)
    phase, freq = r.uniform(0, 6.28), r.uniform(3, 6)
    for k in range(0, h + step * 4, step):
        pts = [
            (x, k + step * 2.2 * math.sin(freq * 6.28 * x / w + phase + k / 40.0))
            for x in range(0, w + 8, 8)
        ]
        d.line(pts, fill=120, width=1)
        pts = [
            (x, k + step * 2.2 * math.sin(freq * 6.28 * x / w - phase - k / 55.0))
            for x in range(0, w + 8, 8)
        ]
        d.line(pts, fill=90, width=1)
    return blend(img, layer, colour, (0, 0))


def photocopy(img: Image.Image, r: random.Random) -> Image.Image:
    """A black-and-white photocopy: grey, contrasty, toner specks and a dirty edge."""
    grey = ImageOps.autocontrast(img.convert("L"), cutoff=1)
    lut = [min(255, max(0, round((v - 40) * 1.35))) for v in range(256)]
    grey = grey.point(lut)
    arr = np.asarray(grey, dtype=np.float32)
    rng = np.random.default_rng(r.randrange(1 << 30))
    arr = arr - (rng.random(arr.shape) < 0.0015) * 200 - r.uniform(5, 18)
    band = max(4, arr.shape[1] // 80)
    arr[:, :band] *= 0.55  # the lid's shadow along one edge
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L").convert("RGB")


def scan_damage(img: Image.Image, r: random.Random) -> tuple[Image.Image, str]:
    """Slight rotation, blur, uneven light, noise and JPEG, each drawn at random; returns
    the page and a short description."""
    done = []
    angle = r.uniform(-2.5, 2.5)
    img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(250,) * 3)
    done.append(f"rot{angle:+.1f}")
    if r.random() < 0.45:
        img = pagegen.uneven_shadow(img, r.uniform(0.15, 0.35), r.randrange(1 << 30))
        done.append("light")
    if r.random() < 0.35:
        img = pagegen.blur(img, r.uniform(0.6, 1.3))
        done.append("blur")
    if r.random() < 0.25:
        img = pagegen.salt_and_pepper(img, r.uniform(0.003, 0.01), r.randrange(1 << 30))
        done.append("noise")
    quality = r.randint(45, 85)
    done.append(f"q{quality}")
    return pagegen.jpeg(img, quality), "+".join(done)


def phone_photo(img: Image.Image, r: random.Random) -> tuple[Image.Image, str]:
    """The page photographed on a desk: perspective, a cast shadow, softness, JPEG."""
    w, h = img.size
    margin = round(0.06 * w)
    desk = Image.new("RGB", (w + 2 * margin, h + 2 * margin), (95, 80, 62))
    desk.paste(img, (margin, margin))
    W, H = desk.size

    def j() -> float:
        return r.uniform(0.0, 0.045)

    # The page corners as they land in the photo (fractions of the frame).
    quad = [
        (j() * W, j() * H),
        (j() * W, (1 - j()) * H),
        ((1 - j()) * W, (1 - j()) * H),
        ((1 - j()) * W, j() * H),
    ]
    src = [(margin, margin), (margin, H - margin), (W - margin, H - margin), (W - margin, margin)]
    coeffs = _perspective(quad, src)
    photo = desk.transform(
        desk.size,
        Image.Transform.PERSPECTIVE,
        coeffs,
        Image.Resampling.BICUBIC,
        fillcolor=(70, 60, 50),
    )
    photo = pagegen.uneven_shadow(photo, r.uniform(0.3, 0.5), r.randrange(1 << 30))
    photo = pagegen.blur(photo, r.uniform(0.5, 1.1))
    return pagegen.jpeg(photo, r.randint(60, 85)), "photo"


def _perspective(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    """Coefficients mapping output (photo) points to input (desk) points for PIL."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.extend([u, v])
    return list(np.linalg.solve(np.array(rows, dtype=float), np.array(rhs, dtype=float)))
