"""Images in (what segment() accepts, turned into the request's image field) and out (decoding for
overlay(), drawing its legend). The server decodes encoded files itself, so paths and bytes are sent
as they are and only NumPy arrays and PIL images travel as raw pixels; Pillow or OpenCV (optional
extras) are needed only to draw overlays of encoded images."""
import os
from typing import Any, List, Optional, Sequence, Tuple, Union, cast

import numpy as np

from ._errors import InvalidArgument
from ._proto.itaclip.v1 import segmentation_service_pb2 as svc

ImageInput = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, np.ndarray, Any]
BACKENDS = ("pillow", "opencv")


def _is_pil_image(image: Any) -> bool:
    return type(image).__module__.startswith("PIL.") and hasattr(image, "convert")


def check_rgb_array(array: np.ndarray) -> np.ndarray:
    """An H×W×3 uint8 RGB (or H×W uint8 gray) array, C-contiguous; InvalidArgument otherwise."""
    if array.dtype != np.uint8:
        raise InvalidArgument("an image array must be uint8 (H×W×3 RGB or H×W gray), got dtype %s"
                              % array.dtype)
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 3)):
        raise InvalidArgument("an image array must be H×W×3 RGB or H×W gray, got shape %s%s" %
                              (array.shape, " (drop the alpha channel: array[..., :3])"
                               if array.ndim == 3 and array.shape[2] == 4 else ""))
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise InvalidArgument("an image array must not be empty, got shape %s" % (array.shape,))
    return np.ascontiguousarray(array)


def request_image(image: ImageInput) -> Tuple[dict, Union[bytes, np.ndarray]]:
    """The SegmentRequest fields for `image`, and what overlay() needs later (the encoded bytes or
    the RGB/gray array)."""
    if isinstance(image, (str, os.PathLike)):
        with open(image, "rb") as f:
            data = f.read()
        return {"encoded_image": data}, data
    if isinstance(image, (bytes, bytearray, memoryview)):
        data = bytes(image)
        if not data:
            raise InvalidArgument("the image is empty (0 bytes)")
        return {"encoded_image": data}, data
    if _is_pil_image(image):
        array = np.asarray(cast(Any, image).convert("RGB"))
    elif isinstance(image, np.ndarray):
        array = image
    else:
        raise InvalidArgument("an image is a path, encoded bytes, a NumPy array or a PIL image; "
                              "got %s" % type(image).__name__)
    array = check_rgb_array(array)
    raw = svc.RawImage(width=array.shape[1], height=array.shape[0],
                       format=svc.RawImage.RGB if array.ndim == 3 else svc.RawImage.GRAY,
                       pixels=array.tobytes())
    return {"raw_image": raw}, array


def available_backends() -> List[str]:
    """The installed imaging libraries overlay() can use, preferred first."""
    found = []
    try:
        import PIL.Image  # noqa: F401
        found.append("pillow")
    except ImportError:
        pass
    try:
        import cv2  # noqa: F401
        found.append("opencv")
    except ImportError:
        pass
    return found


def pick_backend(backend: Optional[str]) -> str:
    found = available_backends()
    if backend is None:
        if not found:
            raise ImportError("overlay() needs Pillow or OpenCV to decode the image and draw the "
                              "legend: pip install 'itaclip-client[pillow]' (or [opencv])")
        return found[0]
    if backend not in BACKENDS:
        raise ValueError("backend must be one of %s, got %r" % (", ".join(BACKENDS), backend))
    if backend not in found:
        raise ImportError("backend %r is not installed: pip install 'itaclip-client[%s]'" %
                          (backend, backend))
    return backend


def decode_rgb(data: bytes, backend: str) -> np.ndarray:
    """An encoded image as H×W×3 uint8 RGB."""
    if backend == "pillow":
        import io

        import PIL.Image
        with PIL.Image.open(io.BytesIO(data)) as im:
            return np.asarray(im.convert("RGB"))
    import cv2
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise InvalidArgument("OpenCV cannot decode the image")
    return np.ascontiguousarray(bgr[:, :, ::-1])


def draw_legend(canvas: np.ndarray, rows: Sequence[Tuple[Tuple[int, int, int], str]], left: int,
                row_height: int, backend: str) -> np.ndarray:
    """Draws one row per (RGB colour, text) from x = left: an 18-pixel swatch and the text."""
    if backend == "pillow":
        import PIL.Image
        import PIL.ImageDraw
        im = PIL.Image.fromarray(canvas)
        draw = PIL.ImageDraw.Draw(im)
        for i, (color, text) in enumerate(rows):
            top = 4 + i * row_height
            draw.rectangle([left + 6, top, left + 23, top + 17], fill=tuple(color))
            draw.text((left + 30, top + 3), text, fill=(0, 0, 0))
        return np.asarray(im).copy()
    import cv2
    bgr = np.ascontiguousarray(canvas[:, :, ::-1])
    for i, (color, text) in enumerate(rows):
        top = 4 + i * row_height
        bgr_color = tuple(int(c) for c in color[::-1])
        cv2.rectangle(bgr, (left + 6, top), (left + 23, top + 17), bgr_color, cv2.FILLED)
        cv2.putText(bgr, text, (left + 30, top + 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1,
                    cv2.LINE_AA)
    return np.ascontiguousarray(bgr[:, :, ::-1])
