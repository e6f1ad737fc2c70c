"""The photographed-pages set (issue 13): printed pages laid on a desk and taken with a phone.

Every page is an A4 page of ``testkit.pagegen`` (its drawn text is the ground truth),
printed (toner that is not quite even, a slightly tinted paper with grain, a stray speck
or two), laid on a desk (wood, cloth or laminate of varied colours, with the sheet's own
contact shadow) and photographed: the page's corners land 3–12 % of its sides away from
where a square-on shot would put them, the light falls off and is tinted, some pages
lie partly in the shadow of the phone and hand, the lens is a little soft, the phone
sharpens and the sensor adds noise. Photos are camera-sized (3264–4032 px long side) or,
for the ``messaging`` group, the 1600 px copy a messaging app forwards. They are stored
the way phones and apps hand them in: JPEG (quality 70–90), some with their pixels
stored turned and an EXIF Orientation tag (6, 8 or 3) saying how to show them, some
WebP and one or two HEIC.

``testkit/unseen_papers*.py`` is not used: its documents carry only their field values
as truth, not every drawn word, so word recall could not be scored on them.

Pages are grouped by *damage*, the difficulty that dominates (all photos have all the
basic effects): ``mild`` (corners moved 3–6 %, even light), ``shadow`` (a hard cast
shadow across the text), ``steep`` (corners moved 8–12 %), ``dim`` (a dark, warm,
noisy indoor shot), ``soft`` (out of focus) and ``messaging`` (1600 px, recompressed).

The set is cached under ``bench/work/photos-<key>/`` with a ``manifest.json``; the key
hashes the plan (seeds, forms, sizes), this file and ``testkit/pagegen.py``, so a change
to either generator regenerates the set and nothing else does. Everything is drawn from
the page's seed: the same plan always gives the same pixels.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pillow_heif
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from bench.pageset import InputFile, Page, PageSet, cached_manifest, plan_key

pillow_heif.register_heif_opener()

# Bump when the way files are drawn or written changes in a way the key misses.
PHOTOSET_VERSION = "1"
BASE_SEED = 9300
DEFAULT_PAGES = 16
PAGE_DPI = 300  # the printed page; a 3000–4000 px photo of it is about as sharp
STORED_DPI = 72  # what phones write into JFIF/EXIF, whatever the subject
MESSAGING_LONG_SIDE = 1600
ORIENTATION_TAG = 0x0112

DAMAGES = ("mild", "shadow", "steep", "dim", "soft", "messaging")
DAMAGE_NOTES = {
    "mild": "corners moved 3–6 %, even light, in focus",
    "shadow": "a hard cast shadow (phone and hand) across part of the text",
    "steep": "corners moved 8–12 %: a strongly slanted shot",
    "dim": "dark warm indoor light, strong falloff, sensor noise",
    "soft": "out of focus (blur radius 1.4–2.0 px)",
    "messaging": "the 1600 px copy a messaging app forwards, quality 70–78",
}


@dataclass(frozen=True)
class Form:
    """How a photo is stored: its container and the EXIF orientation of its pixels."""

    container: str  # "jpeg", "webp" or "heic"
    orientation: int = 1  # 1: stored upright; 6, 8, 3: stored turned, tagged so


# One form per page, repeated past 16 pages; the first 8 already hold every form, so a
# quick run sees JPEG, each orientation tag, WebP (tagged and not) and HEIC.
FORMS: tuple[Form, ...] = (
    Form("jpeg"),
    Form("jpeg", 6),
    Form("webp"),
    Form("jpeg"),
    Form("heic"),
    Form("jpeg", 8),
    Form("webp", 6),
    Form("jpeg", 3),
    Form("jpeg"),
    Form("jpeg", 6),
    Form("webp"),
    Form("jpeg", 8),
    Form("jpeg"),
    Form("heic"),
    Form("jpeg", 6),
    Form("jpeg"),
)
# Portrait (width, height) of the phone cameras: 12 MP at two aspect ratios and an 8 MP.
CAMERAS: tuple[tuple[int, int], ...] = ((3024, 4032), (3000, 4000), (2448, 3264))
DESKS = ("wood", "cloth", "laminate", "wood", "cloth")
FONT_PTS = (13.0, 12.0, 14.0, 11.5, 13.0)
EXTENSIONS = {"jpeg": "jpg", "webp": "webp", "heic": "heic"}


@dataclass(frozen=True)
class PhotoPlan:
    """What to draw and how to store one photo; plain data for worker processes."""

    index: int
    seed: int
    damage: str
    container: str
    orientation: int
    font_pt: float
    desk: str
    camera: tuple[int, int]  # upright (width, height) of the shot
    long_side: int  # of the stored picture; 0 keeps the camera's
    page_dpi: int = PAGE_DPI

    @property
    def name(self) -> str:
        turn = f"-o{self.orientation}" if self.orientation != 1 else ""
        return f"{self.index + 1:02d}-{self.damage}{turn}.{EXTENSIONS[self.container]}"


@dataclass(frozen=True)
class Photo:
    """One photo, upright (as a viewer shows it), with its truth and how it was drawn."""

    image: Image.Image
    text: str
    corners: tuple[tuple[float, float], ...]  # the sheet's TL, TR, BR, BL in the photo
    square: tuple[tuple[float, float], ...]  # where a square-on shot would put them
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PhotoSet(PageSet):
    """A :class:`PageSet` (one single-page file per photo) plus each photo's manifest entry."""

    photos: tuple[dict[str, Any], ...] = ()

    def info(self, file_name: str) -> dict[str, Any]:
        for entry in self.photos:
            if Path(entry["path"]).name == file_name:
                return entry
        raise KeyError(file_name)


def plan_photos(n_pages: int) -> tuple[PhotoPlan, ...]:
    """The plan of an ``n_pages`` set: damages, forms, desks and fonts cycle independently."""
    if n_pages < 1:
        raise ValueError("the photo set needs at least one page")
    plans = []
    for i in range(n_pages):
        form = FORMS[i % len(FORMS)]
        seed = BASE_SEED + i
        damage = DAMAGES[i % len(DAMAGES)]
        plans.append(
            PhotoPlan(
                index=i,
                seed=seed,
                damage=damage,
                container=form.container,
                orientation=form.orientation,
                font_pt=FONT_PTS[i % len(FONT_PTS)],
                desk=DESKS[i % len(DESKS)],
                camera=CAMERAS[(i * 7 + i // 3) % len(CAMERAS)],
                long_side=MESSAGING_LONG_SIDE if damage == "messaging" else 0,
            )
        )
    return tuple(plans)


def generator_sources() -> bytes:
    from testkit import pagegen

    return Path(pagegen.__file__).read_bytes() + Path(__file__).read_bytes()


def cache_key(plans: Sequence[PhotoPlan], sources: bytes) -> str:
    """This set's :func:`bench.pageset.plan_key`."""
    return plan_key(PHOTOSET_VERSION, plans, sources)


def ensure_photoset(
    work_dir: Path,
    n_pages: int,
    *,
    fresh: bool = False,
    jobs: int = 1,
    plans: Sequence[PhotoPlan] | None = None,
) -> PhotoSet:
    """Load the cached set for this plan, or generate it (in parallel, untimed).

    ``plans`` replaces the default plan of ``n_pages`` (the tests draw small pages).
    """
    plans = tuple(plans) if plans is not None else plan_photos(n_pages)
    key = cache_key(plans, generator_sources())
    manifest = cached_manifest(
        work_dir / f"photos-{key}",
        key,
        PHOTOSET_VERSION,
        plans,
        _write_one,
        ("inputs", "png"),
        fresh=fresh,
        jobs=jobs,
    )
    return load_manifest(manifest)


def _write_one(staging: Path, plan: PhotoPlan) -> dict[str, Any]:
    """Draw, store and convert one photo; returns its manifest entry."""
    photo = build_photo(plan)
    path = staging / "inputs" / plan.name
    quality = write_photo(photo.image, path, plan)
    png = staging / "png" / f"{path.stem}.png"
    upright_png(path, png)
    with Image.open(path) as stored:
        stored_size = list(stored.size)
    return {
        "path": f"inputs/{plan.name}",
        "png": f"png/{png.name}",
        "index": plan.index,
        "seed": plan.seed,
        "damage": plan.damage,
        "container": plan.container,
        "orientation": plan.orientation,
        "quality": quality,
        "font_pt": plan.font_pt,
        "desk": plan.desk,
        "camera": list(plan.camera),
        "stored_size": stored_size,
        "corners": [list(c) for c in photo.corners],
        "square": [list(c) for c in photo.square],
        "params": photo.params,
        "text": photo.text,
    }


def load_manifest(manifest: Path) -> PhotoSet:
    document = json.loads(manifest.read_text(encoding="utf-8"))
    root = manifest.parent
    files = tuple(
        InputFile(
            path=root / entry["path"],
            kind=entry["container"],
            dpi=STORED_DPI,
            pages=(
                Page(
                    index=entry["index"],
                    seed=entry["seed"],
                    degradation=entry["damage"],
                    dpi=STORED_DPI,
                    text=entry["text"],
                    png=root / entry["png"],
                ),
            ),
        )
        for entry in document["files"]
    )
    return PhotoSet(key=document["key"], root=root, files=files, photos=tuple(document["files"]))


# --------------------------------------------------------------------------------------
# Storing: turned pixels with their EXIF tag, JPEG / WebP / HEIC, upright PNG copies
# --------------------------------------------------------------------------------------

# What a viewer applies for each tag is the inverse of how the pixels were stored.
_STORE_TURN = {
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,  # stored a quarter turn counter-clockwise; shown turned back
    8: Image.Transpose.ROTATE_270,
}


def stored_pixels(upright: Image.Image, orientation: int) -> Image.Image:
    """The pixels as the phone stores them for ``orientation`` (EXIF rotates them back)."""
    if orientation == 1:
        return upright
    return upright.transpose(_STORE_TURN[orientation])


def write_photo(upright: Image.Image, path: Path, plan: PhotoPlan) -> int:
    """Store the photo in the plan's container and orientation; returns the quality used."""
    r = random.Random(f"store:{plan.seed}")
    exif = Image.Exif()
    exif[0x010F] = "Sohoa bench"  # Make
    exif[0x0110] = "synthetic phone camera"  # Model
    if plan.orientation != 1:
        exif[ORIENTATION_TAG] = plan.orientation
    pixels = stored_pixels(upright, plan.orientation)
    small = plan.long_side and plan.long_side <= MESSAGING_LONG_SIDE
    if plan.container == "jpeg":
        quality = r.randint(70, 78) if small else r.randint(80, 90)
        pixels.save(
            path, "JPEG", quality=quality, dpi=(STORED_DPI, STORED_DPI), exif=exif.tobytes()
        )
    elif plan.container == "webp":
        quality = r.randint(70, 78) if small else r.randint(78, 88)
        pixels.save(path, "WEBP", quality=quality, method=4, exif=exif.tobytes())
    elif plan.container == "heic":
        if plan.orientation != 1:
            raise ValueError("HEIC photos are stored upright (pillow-heif folds the tag in)")
        quality = r.randint(70, 85)
        pixels.save(path, "HEIF", quality=quality)
    else:
        raise ValueError(f"unknown container {plan.container!r}")
    return quality


def upright_png(path: Path, target: Path) -> Path:
    """Decode a stored photo as a viewer shows it (EXIF applied) and save it as PNG.

    These are what raw Tesseract reads, and what OCRmyPDF gets instead of WebP and HEIC,
    which it cannot open; they carry the phone's 72 dpi like the JPEGs.
    """
    with Image.open(path) as img:
        shown = ImageOps.exif_transpose(img).convert("RGB")
    shown.save(target, "PNG", dpi=(STORED_DPI, STORED_DPI), compress_level=3)
    return target


# --------------------------------------------------------------------------------------
# Drawing one photo
# --------------------------------------------------------------------------------------


def build_photo(plan: PhotoPlan) -> Photo:
    """Render, print, lay on the desk, photograph: the upright photo and its truth."""
    from testkit import pagegen

    r = random.Random(f"photo:{plan.seed}:{plan.damage}")
    rng = np.random.default_rng([plan.seed, 13])
    rendered = pagegen.render_page(plan.seed, dpi=plan.page_dpi, font_pt=plan.font_pt)
    printed = print_texture(rendered.image, r, rng)
    width, height = plan.camera
    desk, desk_colour = make_desk(width, height, plan.desk, r, rng)
    frame, corners, square = place_sheet(printed, desk, plan.damage, r)
    frame, light = photograph(frame, plan.damage, r, rng)
    params: dict[str, Any] = {"desk_colour": desk_colour, **light}
    if plan.long_side and max(frame.size) > plan.long_side:
        scale = plan.long_side / max(frame.size)
        size = (round(frame.width * scale), round(frame.height * scale))
        frame = frame.resize(size, Image.Resampling.LANCZOS)
        corners = _scaled(corners, scale)
        square = _scaled(square, scale)
    return Photo(image=frame, text=rendered.text, corners=corners, square=square, params=params)


def _scaled(points: Sequence[tuple[float, float]], scale: float) -> tuple[tuple[float, float], ...]:
    return tuple((x * scale, y * scale) for x, y in points)


def _smooth_field(rng: np.random.Generator, size: tuple[int, int], cells: int) -> np.ndarray:
    """Low-frequency noise in [0, 1] of ``size`` (width, height): a coarse grid upsampled."""
    grid = rng.random((cells, cells), dtype=np.float32)
    image = Image.fromarray(grid, "F").resize(size, Image.Resampling.BICUBIC)
    return np.clip(np.asarray(image, dtype=np.float32), 0, 1)


def _blurred(values: np.ndarray, radius: float) -> np.ndarray:
    """Gaussian blur of a float array in [0, 1] through an 8-bit image (fast, good enough)."""
    image = Image.fromarray(np.clip(values * 255 + 0.5, 0, 255).astype(np.uint8), "L")
    return np.asarray(image.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32) / 255


def print_texture(page: Image.Image, r: random.Random, rng: np.random.Generator) -> Image.Image:
    """The page as a laser printer puts it on office paper.

    Ink spreads a little (dot gain), toner lies unevenly (clumps, a faint banding), a few
    stray specks land on the paper, and the paper is slightly tinted with grain and
    mottling. Returns RGB at the page's resolution.
    """
    gray = np.asarray(page.convert("L"), dtype=np.float32) / 255
    h, w = gray.shape
    ink = _blurred(1 - gray, 0.6)
    clumps = _blurred(rng.random((h, w), dtype=np.float32), 0.8)
    ink *= 1 - 0.5 * np.clip(clumps - 0.35, 0, 1)  # toner thin in places
    band_period = r.uniform(40, 120)
    banding = 1 - 0.04 * (
        0.5 + 0.5 * np.sin(np.arange(h, dtype=np.float32) * 2 * math.pi / band_period)
    )
    ink *= banding[:, None]
    specks = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(specks)
    for _ in range(max(3, round(w * h * 3e-6))):
        x, y = r.uniform(0, w), r.uniform(0, h)
        radius = r.uniform(0.6, 2.0)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=r.randint(120, 230))
    ink = np.maximum(ink, np.asarray(specks, dtype=np.float32) / 255)
    ink = np.clip(ink, 0, 1)[..., None]

    paper = np.array(
        r.choice(((247, 246, 241), (243, 243, 238), (250, 248, 240), (240, 241, 243))),
        dtype=np.float32,
    )
    grain = 1 + 0.012 * (_blurred(rng.random((h, w), dtype=np.float32), 0.7) - 0.5) * 2
    mottle = 1 + 0.015 * (_smooth_field(rng, (w, h), 9) - 0.5) * 2
    toner = np.array((28, 28, 33), dtype=np.float32)
    out = (paper * (grain * mottle)[..., None]) * (1 - ink) + toner * ink
    return Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8), "RGB")


DESK_COLOURS: dict[str, tuple[tuple[int, int, int], ...]] = {
    "wood": ((150, 105, 65), (120, 80, 50), (185, 145, 100), (95, 62, 40), (170, 120, 80)),
    "cloth": ((60, 80, 130), (70, 110, 75), (140, 60, 55), (90, 90, 95), (200, 190, 170)),
    "laminate": ((200, 200, 195), (60, 60, 62), (228, 224, 214), (160, 170, 175)),
}


def make_desk(
    width: int, height: int, kind: str, r: random.Random, rng: np.random.Generator
) -> tuple[np.ndarray, list[int]]:
    """A desk surface (float RGB, ``height × width × 3``) and its base colour.

    Wood: rings warped by smooth noise plus streaks along the grain, drawn at a quarter
    of the resolution. Cloth: a fine weave at full resolution with uneven threads.
    Laminate: a flat colour with mottling and speckle (a light one barely differs from
    the paper, which is the hard case for finding the sheet).
    """
    base = np.array(r.choice(DESK_COLOURS[kind]), dtype=np.float32)
    if kind == "wood":
        qw, qh = max(8, width // 4), max(8, height // 4)
        ys, xs = np.mgrid[0:qh, 0:qw].astype(np.float32)
        theta = r.uniform(-0.25, 0.25) + (math.pi / 2 if r.random() < 0.5 else 0.0)
        v = -xs * math.sin(theta) + ys * math.cos(theta)
        warp = _smooth_field(rng, (qw, qh), 6) * r.uniform(15, 45)
        period = r.uniform(18, 45) * qw / 750
        rings = 0.5 + 0.5 * np.sin(2 * math.pi * (v + warp) / period)
        fine = 0.5 + 0.5 * np.sin(2 * math.pi * (v + 0.6 * warp) / (period * 0.37))
        rings = 0.7 * rings + 0.3 * fine
        streak_rows = int(abs(v).max()) + 2
        streak = _blurred(rng.random((1, streak_rows), dtype=np.float32), 1.0)[0]
        streaks = streak[np.clip(np.abs(v).astype(np.int64), 0, streak_rows - 1)]
        value = 0.80 + 0.14 * rings**3 + 0.10 * (streaks - 0.5)
        small = np.clip(base * value[..., None], 0, 255).astype(np.uint8)
        desk = Image.fromarray(small, "RGB").resize((width, height), Image.Resampling.BICUBIC)
        surface = np.asarray(desk, dtype=np.float32)
    elif kind == "cloth":
        pitch = r.uniform(4.0, 8.0)
        angle = r.uniform(-0.2, 0.2)
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        u = xs * math.cos(angle) + ys * math.sin(angle)
        v = -xs * math.sin(angle) + ys * math.cos(angle)
        weave = np.sin(2 * math.pi * u / pitch) * np.sin(2 * math.pi * v / pitch)
        del xs, ys, u, v
        mottle = _smooth_field(rng, (width, height), 12)
        value = 0.9 + 0.07 * weave + 0.08 * (mottle - 0.5)
        surface = base * value[..., None]
    else:
        mottle = _smooth_field(rng, (width, height), 7)
        value = 0.96 + 0.06 * (mottle - 0.5)
        surface = base * value[..., None]
    speckle = rng.standard_normal((height, width), dtype=np.float32) * 3.0
    surface = surface + speckle[..., None]
    return surface.astype(np.float32), [int(c) for c in base]


def perspective_coeffs(
    photo: Sequence[tuple[float, float]], sheet: Sequence[tuple[float, float]]
) -> list[float]:
    """PIL's eight coefficients mapping photo points to sheet points (output → input)."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(photo, sheet, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.extend([u, v])
    solved = np.linalg.solve(np.array(rows, dtype=float), np.array(rhs, dtype=float))
    return [float(c) for c in solved]


CORNER_SHIFT = {"mild": (0.03, 0.06), "steep": (0.08, 0.12)}
DEFAULT_CORNER_SHIFT = (0.03, 0.09)


def move_corners(
    square: Sequence[tuple[float, float]],
    side: tuple[float, float],
    frame: tuple[int, int],
    shift: tuple[float, float],
    r: random.Random,
) -> tuple[tuple[float, float], ...]:
    """Move each corner by ``shift`` (fractions of the sheet's sides) in a random direction.

    The move's length is measured in side units (dx ÷ width, dy ÷ height); a corner that
    would leave the frame is mirrored back in on that axis, which keeps the length.
    """
    sw, sh = side
    fw, fh = frame
    moved = []
    for x, y in square:
        amount = r.uniform(*shift)
        angle = r.uniform(0, 2 * math.pi)
        dx, dy = amount * math.cos(angle) * sw, amount * math.sin(angle) * sh
        if not 0.01 * fw <= x + dx <= 0.99 * fw:
            dx = -dx
        if not 0.01 * fh <= y + dy <= 0.99 * fh:
            dy = -dy
        moved.append((x + dx, y + dy))
    return tuple(moved)


def place_sheet(
    sheet: Image.Image, desk: np.ndarray, damage: str, r: random.Random
) -> tuple[np.ndarray, tuple[tuple[float, float], ...], tuple[tuple[float, float], ...]]:
    """Warp the printed sheet onto the desk; returns the frame and the moved/square corners."""
    height, width = desk.shape[:2]
    aspect = sheet.width / sheet.height
    sheet_h = r.uniform(0.70, 0.82) * height
    sheet_w = sheet_h * aspect
    if sheet_w > 0.84 * width:
        sheet_w = 0.84 * width
        sheet_h = sheet_w / aspect
    cx = width / 2 + r.uniform(-0.03, 0.03) * width
    cy = height / 2 + r.uniform(-0.03, 0.03) * height
    square = (
        (cx - sheet_w / 2, cy - sheet_h / 2),
        (cx + sheet_w / 2, cy - sheet_h / 2),
        (cx + sheet_w / 2, cy + sheet_h / 2),
        (cx - sheet_w / 2, cy + sheet_h / 2),
    )
    shift = CORNER_SHIFT.get(damage, DEFAULT_CORNER_SHIFT)
    corners = move_corners(square, (sheet_w, sheet_h), (width, height), shift, r)
    w, h = sheet.size
    coeffs = perspective_coeffs(corners, ((0, 0), (w, 0), (w, h), (0, h)))
    warped = sheet.transform(
        (width, height), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC
    )
    mask_img = Image.new("L", sheet.size, 255).transform(
        (width, height), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR
    )
    # The sheet's own soft shadow on the desk, a little below and to one side.
    offset = (round(r.uniform(-0.004, 0.004) * width), round(r.uniform(0.002, 0.006) * height))
    contact = mask_img.filter(ImageFilter.GaussianBlur(0.006 * width))
    contact = Image.fromarray(np.roll(np.asarray(contact), offset[::-1], axis=(0, 1)), "L")
    darken = 1 - r.uniform(0.2, 0.4) * np.asarray(contact, dtype=np.float32)[..., None] / 255
    mask = np.asarray(mask_img, dtype=np.float32)[..., None] / 255
    frame = desk * darken * (1 - mask) + np.asarray(warped, dtype=np.float32) * mask
    return frame, corners, square


def _light_field(
    size: tuple[int, int], damage: str, r: random.Random, rng: np.random.Generator
) -> tuple[np.ndarray, dict[str, Any]]:
    """Multiplicative light over the frame (``height × width``): falloff from a lamp, lens
    vignetting, exposure, and for some pages the shadow of the phone and hand."""
    width, height = size
    sw, sh = max(16, width // 8), max(16, height // 8)
    ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32)
    xs = xs / (sw - 1)
    ys = ys / (sh - 1) * (height / width)
    diag = math.hypot(1.0, height / width)
    lamp = (r.uniform(-0.3, 1.3), r.uniform(-0.3, 1.3) * height / width)
    falloff_k = r.uniform(0.45, 0.65) if damage == "dim" else r.uniform(0.1, 0.3)
    if damage == "mild":
        falloff_k = r.uniform(0.05, 0.12)
    dist = np.hypot(xs - lamp[0], ys - lamp[1]) / diag
    light = 1 - falloff_k * np.clip(dist, 0, 1.2) ** 2
    centre = np.hypot(xs - 0.5, ys - 0.5 * height / width) / (diag / 2)
    light *= 1 - r.uniform(0.08, 0.2) * centre**2

    if damage == "shadow":
        strength, depth = r.uniform(0.45, 0.6), r.uniform(0.3, 0.55)
    elif damage != "mild" and r.random() < 0.4:
        strength, depth = r.uniform(0.12, 0.25), r.uniform(0.1, 0.3)
    else:
        strength, depth = 0.0, 0.0
    params: dict[str, Any] = {"falloff": round(falloff_k, 3), "cast_shadow": round(strength, 3)}
    if strength:
        edge = r.randrange(4)
        u, v = xs, ys / (height / width)  # both 0..1 across the frame
        across, along = [(u, v), (1 - u, v), (v, u), (1 - v, u)][edge]
        wobble = _smooth_field(rng, (sw, sh), 4) - 0.5
        reach = depth + 0.08 * wobble
        penumbra = r.uniform(0.01, 0.035)
        inside = 1 / (1 + np.exp(-(reach - across) / penumbra))
        start = r.uniform(0.0, 0.4)
        stop = min(1.0, start + r.uniform(0.4, 0.9))
        span = 1 / (1 + np.exp(-(along - start) / 0.03)) * 1 / (1 + np.exp((along - stop) / 0.03))
        light *= 1 - strength * inside * span
        params["shadow_edge"] = ("left", "right", "top", "bottom")[edge]
    exposure = r.uniform(0.55, 0.7) if damage == "dim" else r.uniform(0.94, 1.04)
    params["exposure"] = round(exposure, 3)
    light = np.clip(light * exposure, 0.05, 1.2).astype(np.float32)
    full = Image.fromarray(light, "F").resize((width, height), Image.Resampling.BICUBIC)
    return np.asarray(full, dtype=np.float32), params


def photograph(
    frame: np.ndarray, damage: str, r: random.Random, rng: np.random.Generator
) -> tuple[Image.Image, dict[str, Any]]:
    """Light, tint, lens blur, the phone's sharpening and sensor noise over the scene."""
    height, width = frame.shape[:2]
    light, params = _light_field((width, height), damage, r, rng)
    if damage == "dim":
        tint = (1.0, r.uniform(0.86, 0.92), r.uniform(0.70, 0.80))
    else:
        tint = (r.uniform(0.97, 1.03), 1.0, r.uniform(0.95, 1.04))
    frame = frame * light[..., None] * np.array(tint, dtype=np.float32)
    del light
    image = Image.fromarray(np.clip(frame + 0.5, 0, 255).astype(np.uint8), "RGB")
    del frame
    radius = r.uniform(1.4, 2.0) if damage == "soft" else r.uniform(0.6, 1.1)
    image = image.filter(ImageFilter.GaussianBlur(radius))
    sharpen = r.randint(40, 90)
    image = image.filter(ImageFilter.UnsharpMask(radius=2, percent=sharpen, threshold=2))
    sigma = r.uniform(4.0, 6.0) if damage == "dim" else r.uniform(1.5, 3.0)
    pixels = np.asarray(image, dtype=np.float32)
    luma = rng.standard_normal((height, width), dtype=np.float32) * sigma
    chroma = rng.standard_normal((max(1, height // 4), max(1, width // 4), 3), dtype=np.float32)
    chroma_img = [
        Image.fromarray(chroma[..., c] * sigma * 0.6, "F").resize((width, height)) for c in range(3)
    ]
    noise = luma[..., None] + np.stack([np.asarray(c) for c in chroma_img], axis=-1)
    pixels = np.clip(pixels + noise + 0.5, 0, 255).astype(np.uint8)
    params.update(
        {
            "tint": [round(t, 3) for t in tint],
            "blur_radius": round(radius, 2),
            "sharpen_percent": sharpen,
            "noise_sigma": round(sigma, 2),
        }
    )
    return Image.fromarray(pixels, "RGB"), params
