"""The answer of segment(): the label map and scores as NumPy arrays, the class names, and an
overlay like the `itaclip` command's (client/output/render_overlay.cc)."""
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Union

import numpy as np

from . import _images
from ._errors import ItaclipError
from ._proto.itaclip.v1 import segmentation_service_pb2 as svc

LEGEND_WIDTH = 260
LEGEND_ROW_HEIGHT = 22


def class_color(index: int) -> "tuple[int, int, int]":
    """RGB colour of class `index`: the PASCAL VOC palette (bit-interleaved), as the C++ client."""
    r = g = b = 0
    c = index
    shift = 7
    while c > 0 and shift >= 0:
        r |= ((c >> 0) & 1) << shift
        g |= ((c >> 1) & 1) << shift
        b |= ((c >> 2) & 1) << shift
        c >>= 3
        shift -= 1
    return (r, g, b)


def palette(num_classes: int) -> np.ndarray:
    """num_classes × 3 uint8 RGB colours, class_color for each index."""
    return np.array([class_color(i) for i in range(max(num_classes, 1))], np.uint8)


@dataclass(frozen=True)
class Timings:
    """Where the server spent the call, milliseconds."""

    queued_ms: float
    preprocess_ms: float
    model_ms: float
    postprocess_ms: float
    total_ms: float


class Segmentation:
    """One segmented image.

    labels: H×W integer array at the image's size (uint8, or uint16 beyond 256 classes); pixel
        value i is class_names[i].
    scores: C×H×W float32 class probabilities (after the softmax over queries and the per-class
        max, before the thresholds), or None unless segment(..., scores=True).
    class_names, class_pixel_counts, vocabulary_id, request_id, crops, timings: as the server
        answered.
    """

    def __init__(self, response: svc.SegmentResponse, image: Union[bytes, np.ndarray]) -> None:
        self.labels = decode_labels(response.labels)
        self.scores = decode_scores(response.scores) if response.HasField("scores") else None
        self.class_names: List[str] = list(response.class_names)
        self.class_pixel_counts: List[int] = list(response.class_pixel_counts)
        self.vocabulary_id: str = response.vocabulary_id
        self.request_id: str = response.request_id
        self.crops: int = response.crops
        t = response.timings
        self.timings = Timings(t.queued_ms, t.preprocess_ms, t.model_ms, t.postprocess_ms,
                               t.total_ms)
        self._image = image

    def __repr__(self) -> str:
        h, w = self.labels.shape
        return "Segmentation(%dx%d, %d classes, scores=%s, vocabulary_id=%r)" % (
            w, h, len(self.class_names), self.scores is not None, self.vocabulary_id)

    def mask(self, name: str) -> np.ndarray:
        """H×W bool array of the pixels of the class whose first name is `name`."""
        try:
            index = self.class_names.index(name)
        except ValueError:
            raise KeyError("no class %r in %s" % (name, self.class_names)) from None
        return self.labels == index

    def image(self, backend: Optional[str] = None) -> np.ndarray:
        """The segmented image as H×W×3 uint8 RGB (decoded with Pillow or OpenCV when it was sent
        encoded)."""
        if isinstance(self._image, np.ndarray):
            a = self._image
            return np.repeat(a[:, :, None], 3, axis=2) if a.ndim == 2 else a
        return _images.decode_rgb(self._image, _images.pick_backend(backend))

    def overlay(self, alpha: float = 0.5, legend: bool = True,
                backend: Optional[str] = None) -> np.ndarray:
        """The image blended with one colour per class (the VOC palette; `alpha` is the colours'
        weight), with a legend to the right listing the classes present, largest first, with
        their share of the pixels. H×(W+260)×3 uint8 RGB (H×W×3 without the legend; taller when the
        legend needs it). Needs Pillow or OpenCV (`backend`: "pillow" or "opencv", default the
        first installed) to draw the legend or decode an encoded image."""
        if not 0 <= alpha <= 1:
            raise ValueError("alpha must be in [0, 1], got %r" % (alpha,))
        if legend or not isinstance(self._image, np.ndarray):
            backend = _images.pick_backend(backend)
        image = self.image(backend)
        if image.shape[:2] != self.labels.shape:
            raise ItaclipError("the image (%s) and the label map (%s) differ in size" %
                               (image.shape[:2], self.labels.shape))
        colors = palette(int(self.labels.max()) + 1)[self.labels]
        # Rounded to nearest, ties to even, as OpenCV's addWeighted (the C++ client's overlay).
        blended = np.rint(image.astype(np.float32) * (1 - alpha) +
                          colors.astype(np.float32) * alpha).astype(np.uint8)
        if not legend:
            return blended
        counts = np.bincount(self.labels.ravel(), minlength=len(self.class_names))
        present = [i for i in np.argsort(-counts, kind="stable") if counts[i] > 0]
        total = max(1, int(counts.sum()))
        h, w = blended.shape[:2]
        canvas = np.full((max(h, len(present) * LEGEND_ROW_HEIGHT + 8), w + LEGEND_WIDTH, 3), 255,
                         np.uint8)
        canvas[:h, :w] = blended
        rows = []
        for i in present:
            name = self.class_names[i] if i < len(self.class_names) else str(i)
            rows.append((class_color(int(i)), "%s %.1f%%" % (name, 100.0 * counts[i] / total)))
        return _images.draw_legend(canvas, rows, w, LEGEND_ROW_HEIGHT, backend)  # type: ignore


def decode_labels(labels: svc.LabelMap) -> np.ndarray:
    """A raw LabelMap (the client always asks for raw bytes) as an H×W uint8/uint16 array."""
    if labels.format != svc.LABEL_FORMAT_RAW:
        raise ItaclipError("expected raw labels from the server, got format %d" % labels.format)
    dtypes: Dict[int, "np.dtype[Any]"] = {8: np.dtype(np.uint8), 16: np.dtype("<u2")}
    dtype = dtypes.get(labels.bits_per_pixel)
    if dtype is None:
        raise ItaclipError("label map with %d bits per pixel" % labels.bits_per_pixel)
    expected = labels.width * labels.height * dtype.itemsize
    if len(labels.data) != expected:
        raise ItaclipError("label map of %dx%d has %d bytes, expected %d" %
                           (labels.width, labels.height, len(labels.data), expected))
    array = np.frombuffer(labels.data, dtype).reshape(labels.height, labels.width)
    return array.astype(np.uint16) if dtype.itemsize == 2 else array.copy()


def decode_scores(scores: svc.ClassScores) -> np.ndarray:
    """ClassScores as a C×H×W float32 array (float16 answers are widened exactly)."""
    dtypes: Dict[int, "np.dtype[Any]"] = {svc.SCORE_FORMAT_FLOAT32: np.dtype("<f4"),
                                          svc.SCORE_FORMAT_FLOAT16: np.dtype("<f2")}
    dtype = dtypes.get(scores.format)
    if dtype is None:
        raise ItaclipError("scores in format %d" % scores.format)
    shape = (scores.num_classes, scores.height, scores.width)
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(scores.data) != expected:
        raise ItaclipError("scores of shape %s have %d bytes, expected %d" %
                           (shape, len(scores.data), expected))
    return np.frombuffer(scores.data, dtype).reshape(shape).astype(np.float32)
