"""segment() with every input type and every form of vocabulary, the scores, overrides,
health() and server_info(), and overlay() against an independent computation."""
import io
from pathlib import Path

import numpy as np
import pytest
from conftest import FAST

import itaclip_client as ic
from itaclip_client import _images

BACKENDS = _images.available_backends()
CLASSES = ["background", ["person", "man"], "car", "dog"]
NAMES = ["background", "person", "car", "dog"]


def decode(data: bytes, backend: str) -> np.ndarray:
    """RGB pixels of an encoded image, decoded in the test (not by the package)."""
    if backend == "pillow":
        import PIL.Image
        return np.asarray(PIL.Image.open(io.BytesIO(data)).convert("RGB"))
    import cv2
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)[:, :, ::-1]


def png_bytes(rgb: np.ndarray) -> bytes:
    if "pillow" in BACKENDS:
        import PIL.Image
        out = io.BytesIO()
        PIL.Image.fromarray(rgb).save(out, format="PNG")
        return out.getvalue()
    import cv2
    return cv2.imencode(".png", rgb[:, :, ::-1])[1].tobytes()


@pytest.fixture(scope="module")
def vid(client_module: ic.Client) -> str:
    return client_module.register_vocabulary(CLASSES, background_first=True)


@pytest.fixture(scope="module")
def client_module(server) -> ic.Client:
    with ic.Client(server.address, timeout=120) as c:
        yield c


def test_health_and_server_info(client: ic.Client) -> None:
    assert client.health() == "SERVING"
    assert client.health("itaclip.v1.SegmentationService") == "SERVING"
    with pytest.raises(ic.NotFound):
        client.health("no.such.Service")
    info = client.server_info()
    assert info.default_preset == "voc21" and "voc21" in info.presets
    assert info.limits.max_pending_requests == 64


def test_every_input_type(client_module: ic.Client, vid: str, image_path: Path,
                          work: Path) -> None:
    data = image_path.read_bytes()
    by_path = client_module.segment(image_path, vid, **FAST)
    assert by_path.labels.shape == (513, 513) and by_path.labels.dtype == np.uint8
    assert by_path.class_names == NAMES and by_path.vocabulary_id == vid
    assert by_path.scores is None
    assert by_path.crops == 1 and by_path.request_id
    assert by_path.timings.total_ms > 0
    counts = np.bincount(by_path.labels.ravel(), minlength=4).tolist()
    assert by_path.class_pixel_counts == counts
    for same in (client_module.segment(str(image_path), vid, **FAST),
                 client_module.segment(data, vid, **FAST),
                 client_module.segment(bytearray(data), vid, **FAST)):
        assert np.array_equal(same.labels, by_path.labels)

    # Arrays and PIL images travel as raw pixels: a lossless PNG of the photograph gives the
    # server the same pixels either way, so the labels must be identical.
    rgb = decode(data, BACKENDS[0])[:300, :400].copy()
    png = png_bytes(rgb)
    png_path = work / "crop.png"
    png_path.write_bytes(png)
    reference = client_module.segment(png_path, vid, **FAST)
    assert reference.labels.shape == (300, 400)
    from_array = client_module.segment(rgb, vid, **FAST)
    assert np.array_equal(from_array.labels, reference.labels)
    if "pillow" in BACKENDS:
        import PIL.Image
        from_pil = client_module.segment(PIL.Image.fromarray(rgb), vid, **FAST)
        assert np.array_equal(from_pil.labels, reference.labels)
        from_pil_rgba = client_module.segment(PIL.Image.fromarray(rgb).convert("RGBA"), vid,
                                              **FAST)
        assert np.array_equal(from_pil_rgba.labels, reference.labels)
    # A strided view (not contiguous) is the same image.
    wide = np.zeros((300, 800, 3), np.uint8)
    wide[:, ::2] = rgb
    assert np.array_equal(client_module.segment(wide[:, ::2], vid, **FAST).labels,
                          reference.labels)
    # Gray: H×W.
    gray = client_module.segment(rgb[:, :, 1].copy(), vid, **FAST)
    assert gray.labels.shape == (300, 400)


def test_every_form_of_vocabulary(client_module: ic.Client, vid: str, image_path: Path) -> None:
    by_id = client_module.segment(image_path, vid, **FAST)
    inline = client_module.segment(image_path, ic.Vocabulary(CLASSES, background_first=True),
                                   **FAST)
    assert inline.vocabulary_id == vid and np.array_equal(inline.labels, by_id.labels)
    listed = client_module.segment(image_path, ["cat", ["sky", "clouds"]], **FAST)
    assert listed.class_names == ["cat", "sky"]
    assert int(listed.labels.max()) <= 1
    preset = client_module.segment(image_path, "voc21", **FAST)
    assert len(preset.class_names) == 21 and preset.class_names[0] == "sky"
    assert preset.vocabulary_id == client_module.register_vocabulary("voc21")
    with pytest.raises(ic.InvalidArgument, match="unknown vocabulary preset"):
        client_module.segment(image_path, "voc-not-an-id", **FAST)


def test_scores(client_module: ic.Client, vid: str, image_path: Path) -> None:
    seg = client_module.segment(image_path, vid, scores=True, **FAST)
    assert seg.scores is not None
    assert seg.scores.shape == (4, 513, 513) and seg.scores.dtype == np.float32
    # Each class score is the max over its queries of one softmax over all queries: >= 0, and at
    # most 1 summed over the classes at a pixel.
    assert float(seg.scores.min()) >= 0 and float(seg.scores.sum(0).max()) <= 1 + 1e-4
    half = client_module.segment(image_path, vid, scores="float16", **FAST)
    assert half.scores is not None and half.scores.dtype == np.float32
    assert np.array_equal(half.scores, seg.scores.astype(np.float16).astype(np.float32))
    assert np.array_equal(half.labels, seg.labels)
    with pytest.raises(ic.InvalidArgument, match="scores must be"):
        client_module.segment(image_path, vid, scores="float64", **FAST)


def test_overrides_and_preset(client_module: ic.Client, vid: str, image_path: Path) -> None:
    # prob_thd=1: no pixel's probability reaches 1, so a background-first vocabulary labels every
    # pixel background.
    seg = client_module.segment(image_path, vid, prob_thd=1.0, **FAST)
    assert int(seg.labels.max()) == 0
    assert seg.class_pixel_counts == [513 * 513, 0, 0, 0]
    # The preset's sliding window: voc21's stride 28 over a 224-short-side image is one crop; a
    # stride of 112 on a 336 short side is 2x2 crops.
    assert client_module.segment(image_path, vid, preset="voc21", short_side=336, stride=112,
                                 pamr_steps=0).crops == 4
    assert client_module.segment(image_path, vid, pamr_dilations=[8, 16], **FAST).labels.shape == (
        513, 513)
    with pytest.raises(ic.InvalidArgument, match="no_such_key"):
        client_module.segment(image_path, vid, no_such_key=1, **FAST)
    with pytest.raises(ic.InvalidArgument, match="background_first"):
        client_module.segment(image_path, vid, background_first=True, **FAST)
    with pytest.raises(ic.InvalidArgument, match="no-such-preset"):
        client_module.segment(image_path, vid, preset="no-such-preset", **FAST)


@pytest.mark.parametrize("backend", BACKENDS)
def test_overlay(client_module: ic.Client, vid: str, image_path: Path, backend: str) -> None:
    seg = client_module.segment(image_path, vid, **FAST)
    image = decode(image_path.read_bytes(), backend)
    overlay = seg.overlay(backend=backend)
    h, w = seg.labels.shape
    assert overlay.dtype == np.uint8 and overlay.shape[0] >= h and overlay.shape[1:] == (w + 260, 3)
    # The VOC palette, by its definition (bit i of the index -> bit 7-i/3 of R, G, B).
    voc = {0: (0, 0, 0), 1: (128, 0, 0), 2: (0, 128, 0), 3: (128, 128, 0)}
    colors = np.array([voc[i] for i in range(4)], np.float64)[seg.labels]
    expected = np.rint(0.5 * image + 0.5 * colors).astype(np.uint8)
    assert np.array_equal(overlay[:h, :w], expected)
    # The legend: one swatch per class present, largest first, in the class's colour.
    present = sorted((i for i in range(4) if seg.class_pixel_counts[i] > 0),
                     key=lambda i: -seg.class_pixel_counts[i])
    for row, index in enumerate(present):
        top = 4 + row * 22
        assert tuple(overlay[top + 9, w + 14]) == voc[index]
    assert (overlay[:, w + 30:] < 128).any()  # some text
    assert np.array_equal(seg.overlay(legend=False, backend=backend), expected)
    assert np.array_equal(seg.image(backend), image)


def test_overlay_without_imaging_libraries(client_module: ic.Client, vid: str, image_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_images, "available_backends", lambda: [])
    seg = client_module.segment(image_path, vid, **FAST)
    with pytest.raises(ImportError, match="itaclip-client\\[pillow\\]"):
        seg.overlay()
    # An array needs no decoding: its blend works without either library.
    rgb = np.full((64, 80, 3), 200, np.uint8)
    small = client_module.segment(rgb, vid, **FAST)
    assert small.overlay(legend=False).shape == (64, 80, 3)


def test_mask(client_module: ic.Client, vid: str, image_path: Path) -> None:
    seg = client_module.segment(image_path, vid, **FAST)
    assert np.array_equal(seg.mask("car"), seg.labels == 2)
    with pytest.raises(KeyError):
        seg.mask("giraffe")


def test_bad_images(client_module: ic.Client, vid: str, work: Path) -> None:
    with pytest.raises(ic.InvalidArgument) as e:
        client_module.segment(b"not an image at all", vid, **FAST)
    assert e.value.code is not None and e.value.message  # the server's message
    for array, message in ((np.zeros((10, 10, 4), np.uint8), "alpha"),
                           (np.zeros((10, 10, 3), np.float32), "uint8"),
                           (np.zeros((0, 10, 3), np.uint8), "empty"),
                           (np.zeros((10,), np.uint8), "H×W")):
        with pytest.raises(ic.InvalidArgument, match=message):
            client_module.segment(array, vid)
    with pytest.raises(ic.InvalidArgument, match="empty"):
        client_module.segment(b"", vid)
    with pytest.raises(ic.InvalidArgument, match="a path, encoded bytes"):
        client_module.segment(12345, vid)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        client_module.segment(work / "no-such-file.jpg", vid)
