"""The on-device nudity check: NudeNet's 320n detector, run on the CPU by onnxruntime.

The model ships inside the ``nudenet`` package; nothing is downloaded, and no picture leaves
the server. It is loaded once per process, the first time a picture is checked (about a tenth
of a second), and then takes a few tens of milliseconds a picture.

It is one layer of three (README, "Attachments and imagery"): the uploader says what the file
is and confirms it holds no image of a child, and this catches some of what slips past them.
It misses some nude images and flags some innocent ones. :func:`flags` is the boundary the
tests fake.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy
from PIL import Image

#: Intimate parts shown: flagged at this score. NudeNet itself reports every box scoring 0.25 or
#: more; 0.4 leans towards refusing (a refusal costs the DSL a re-save, a miss is an offence)
#: while ignoring its faintest boxes. A judgement, not a measurement: Safeguard holds no imagery
#: to tune it on, so it is one constant to revisit with the detector's published figures.
THRESHOLD = 0.4
EXPOSED = frozenset(
    {"FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED", "FEMALE_BREAST_EXPOSED", "BUTTOCKS_EXPOSED", "ANUS_EXPOSED"}
)
#: Intimate parts covered by underwear or swimwear. UKCIS counts "semi-nude" images (a child in
#: underwear) as the same offence as nudes, so these are flagged too, but only when the detector
#: is surer, because covered buttocks and groins are also what ordinary clothed photographs show.
#: FEMALE_BREAST_COVERED is left out: it fires on almost any photograph of a clothed girl or
#: woman, and would refuse every school photograph. MALE_BREAST_EXPOSED, BELLY, ARMPITS, FEET
#: and FACE are not intimate, and a boy swimming is not a semi-nude image.
COVERED_THRESHOLD = 0.6
COVERED = frozenset({"FEMALE_GENITALIA_COVERED", "BUTTOCKS_COVERED", "ANUS_COVERED"})
#: A picture longer than this on a side is also checked in four overlapping quarters: the
#: detector shrinks each picture to 320 pixels, and a small figure on a scanned page would vanish.
TILE_ABOVE = 1280

_lock = threading.Lock()
_detector = None


@dataclass(frozen=True)
class Finding:
    label: str
    score: float


def _model():
    global _detector
    with _lock:
        if _detector is None:
            # Imported here, not at the top: onnxruntime and OpenCV are heavy, and most
            # processes (the Celery worker, management commands) never check a picture.
            from nudenet import NudeDetector

            _detector = NudeDetector()
        return _detector


def load() -> None:
    """Load the model now (a worker may call this at start-up; tests call it to time the load)."""
    _model()


def _detect(image: Image.Image) -> list[dict]:
    # NudeNet's _read_image converts an array with cv2.COLOR_RGBA2BGR, then swaps to RGB for
    # the model: an RGBA array is what it expects (an RGB one would reach it with red and blue swapped).
    return _model().detect(numpy.asarray(image.convert("RGBA")))


def _tiles(image: Image.Image):
    yield image
    width, height = image.size
    if max(width, height) > TILE_ABOVE:
        half_w, half_h = width * 3 // 5, height * 3 // 5
        for left, top in ((0, 0), (width - half_w, 0), (0, height - half_h), (width - half_w, height - half_h)):
            yield image.crop((left, top, left + half_w, top + half_h))


def flags(image: Image.Image) -> Finding | None:
    """The surest detection of an intimate part in ``image``, or None if there is none."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        # Sixteen-bit and floating-point greys: scaled to eight bits, not clipped to white.
        values = numpy.asarray(image, dtype=numpy.float64)
        peak = values.max() or 1.0
        image = Image.fromarray((values.clip(0) * (255.0 / peak)).astype(numpy.uint8), "L")
    best: Finding | None = None
    for tile in _tiles(image):
        for detection in _detect(tile):
            label, score = detection["class"], float(detection["score"])
            intimate = (label in EXPOSED and score >= THRESHOLD) or (label in COVERED and score >= COVERED_THRESHOLD)
            if intimate and (best is None or score > best.score):
                best = Finding(label, score)
    return best
