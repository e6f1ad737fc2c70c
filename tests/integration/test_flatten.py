"""A photographed paper is found in its photo and flattened; a scan is never cropped.

The photos are made here: a rendered A4 page warped by a known perspective onto a
darker, textured desk with a soft shadow, saved as a phone JPEG. The corners the
code finds are compared with the ones used to make the photo, and the page read
through ``sohoa ocr`` must read far better flattened than the photo did as it was.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from ocr.flatten import Paper, find_paper, flatten, flatten_checked
from testkit import pagegen
from testkit.textmetrics import cer

PHOTO_SIZE = (1900, 2300)


def camera_corners(
    page_size: tuple[int, int], distance: float = 2400.0
) -> tuple[tuple[float, float], ...]:
    """Where an A4 sheet's corners land in a phone photo taken from above and in front:
    the sheet tilted 28° away, turned 12° and 4°, seen by a pinhole camera (focal length
    2200 px, principal point at the photo's centre), as a real phone would see it."""
    width, height = page_size
    ax, ay, az = np.radians([28.0, 12.0, 4.0])
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    rotation = rz @ ry @ rx
    corners = []
    for x, y in ((0, 0), (width, 0), (width, height), (0, height)):
        point = rotation @ np.array([x - width / 2, y - height / 2, 0.0]) + [0, 0, distance]
        corners.append(
            (
                2200 * point[0] / point[2] + PHOTO_SIZE[0] / 2,
                2200 * point[1] / point[2] + PHOTO_SIZE[1] / 2,
            )
        )
    return tuple(corners)


def desk(size: tuple[int, int], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    width, height = size
    wood = 95 + 25 * np.sin(np.linspace(0, 40, width))[None, :] + rng.normal(0, 8, (height, width))
    rgb = np.stack([wood * 1.1, wood * 0.85, wood * 0.6], axis=2)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def photograph(page: Image.Image, seed: int = 3, distance: float = 2400.0) -> Image.Image:
    """The page lying on a desk, photographed at an angle, with a shadow and JPEG loss."""
    width, height = PHOTO_SIZE
    corners = camera_corners(page.size, distance)
    source = np.float32([[0, 0], [page.width, 0], [page.width, page.height], [0, page.height]])
    matrix = cv2.getPerspectiveTransform(source, np.float32(corners))
    paper = cv2.warpPerspective(np.asarray(page.convert("RGB")), matrix, (width, height))
    mask = cv2.warpPerspective(np.full(page.size[::-1], 255, np.uint8), matrix, (width, height))
    photo = np.where(mask[..., None] > 127, paper, desk((width, height), seed))
    shade = np.linspace(1.0, 0.8, width)[None, :, None]  # light from the left
    image = Image.fromarray(np.clip(photo * shade, 0, 255).astype(np.uint8))
    return pagegen.jpeg(image, 80)


@pytest.fixture(scope="module")
def page() -> pagegen.RenderedPage:
    return pagegen.render_page(41, dpi=150)


def test_the_papers_corners_are_found_within_a_few_pixels(page) -> None:
    paper = find_paper(photograph(page.image))
    assert paper is not None
    truth = camera_corners(page.image.size)
    errors = [np.hypot(x - u, y - v) for (x, y), (u, v) in zip(paper.corners, truth, strict=True)]
    assert max(errors) <= 5.0, errors  # of a 2300-pixel photo
    assert not paper.is_card
    flat = flatten(photograph(page.image), paper)
    ratio = flat.height / flat.width
    assert abs(ratio - page.image.height / page.image.width) < 0.01  # an A4's, not the photo's
    assert np.asarray(flat.convert("L"))[:20, :20].mean() > 150, "paper, not desk, in the corner"


def test_a_hard_shadow_across_the_sheet_is_not_its_edge(page) -> None:
    """The phone's own shadow darkens part of the sheet with a sharp edge. The lit part
    then passes for a sheet of its own, with the shadow's edge as one side: the whole
    sheet must be found, corners within a few pixels, and flattened as an A4.

    (A shadow across the sheet's short axis, reaching the desk's edge on both sides,
    still hides the sheet's outline: no sheet is found and the photo is read as it is.)
    """
    photo = np.asarray(photograph(page.image)).astype(np.float32)
    height, width = photo.shape[:2]
    shadow = np.ones((height, width, 1), np.float32)
    shadow[:, : width * 2 // 5] = 0.55
    shaded = Image.fromarray(np.clip(photo * shadow, 0, 255).astype(np.uint8))
    paper = find_paper(pagegen.jpeg(shaded, 80))
    assert paper is not None
    truth = camera_corners(page.image.size)
    errors = [np.hypot(x - u, y - v) for (x, y), (u, v) in zip(paper.corners, truth, strict=True)]
    assert max(errors) <= 8.0, errors
    assert abs(paper.height / paper.width - page.image.height / page.image.width) < 0.02


@pytest.mark.parametrize("kind", ["plain", "framed"])
def test_a_scan_is_never_cropped(page, kind) -> None:
    image = page.image.convert("RGB")
    if kind == "framed":  # a form with a large ruled frame: not the paper's edge
        ImageDraw.Draw(image).rectangle(
            (120, 200, image.width - 120, image.height - 260), outline=0, width=4
        )
    assert find_paper(image) is None


def test_a_flattened_photo_reads_as_well_as_the_scan(page, run_sohoa, tmp_path) -> None:
    photo = tmp_path / "anh-chup.jpg"
    photograph(page.image).save(photo, quality=85)
    out, text = tmp_path / "out.pdf", tmp_path / "out.txt"
    done = run_sohoa("ocr", photo, out, "--sidecar", text)
    assert done.returncode == 0, done.stderr
    assert cer(page.text, text.read_text(encoding="utf-8")) < 0.03


def test_an_id_card_photographed_on_a_desk_is_known_by_its_shape() -> None:
    """An ID-1 card flattened keeps a card's proportions and gets a card's resolution,
    so OCR scales it as a card (85.6 mm wide), not as an A4 page."""
    card = Image.new("RGB", (1011, 638), (235, 238, 240))  # 85.6 × 54 mm at 300 dpi
    draw = ImageDraw.Draw(card)
    for row in range(6):
        draw.rectangle((380, 120 + 80 * row, 900, 150 + 80 * row), fill=(40, 40, 60))
    photo = photograph(card, distance=1500.0)  # a card is photographed from close by
    paper = find_paper(photo)
    assert paper is not None and paper.is_card
    flat = flatten(photo, paper)
    assert abs(flat.width / flat.height - 85.6 / 54) < 0.02
    assert abs(paper.dpi() - flat.width / 3.37) < 1


def test_a_sheet_whose_outline_passed_for_a_card_is_flattened_as_a_sheet(page) -> None:
    """A steep photo can foreshorten an A4 sheet's outline to a card's proportions; taken
    for a card, the sheet would be archived at a third of its resolution and squeezed.
    Its print (letters of ~0.7 mm if it were a card) says it is a sheet."""
    photo = photograph(page.image)
    found = find_paper(photo)
    assert found is not None and not found.is_card
    long = max(found.width, found.height)
    as_card = Paper(found.corners, round(long / (85.6 / 54)), long)  # the outline misjudged
    assert as_card.is_card
    paper, flat = flatten_checked(photo, as_card)
    assert not paper.is_card and (paper.width, paper.height) == (round(long / 2**0.5), long)
    assert flat.size == (paper.width, paper.height)
    assert abs(paper.dpi() - long / 11.69) < 1


def test_a_card_stays_a_card_when_its_print_is_checked() -> None:
    from testkit import docgen

    [front, _] = docgen.render(docgen.compose("citizen_id", 5), dpi=300, card_on_a4=False)
    photo = photograph(front.image, distance=1500.0)
    paper = find_paper(photo)
    assert paper is not None and paper.is_card
    checked, flat = flatten_checked(photo, paper)
    assert checked == paper and flat.size == (paper.width, paper.height)
