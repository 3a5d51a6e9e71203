"""The same image through the C++ client (`itaclip segment --server`) and through this package:
bit-equal labels and float32 scores, and the same overlay blend."""
import io
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import env

import itaclip_client as ic
from itaclip_client import _images


def read_png(path: Path) -> np.ndarray:
    """A PNG as stored (gray stays 2-D; colour comes back RGB), decoded in the test."""
    backend = _images.available_backends()[0]
    if backend == "pillow":
        import PIL.Image
        im = PIL.Image.open(io.BytesIO(path.read_bytes()))
        return np.asarray(im.convert("RGB") if im.mode not in ("L", "I;16") else im)
    import cv2
    a = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    return a[:, :, ::-1] if a.ndim == 3 else a


@pytest.mark.parametrize("image_name,overrides", [
    ("0.jpg", {"short_side": 224, "pamr_steps": 0}),
    ("114.jpg", {}),  # the voc21 preset as it is: sliding window, PAMR
])
def test_bit_equal_to_the_cpp_client(client: ic.Client, server, shared: Path, work: Path,
                                     image_name: str, overrides: dict) -> None:
    image = shared / "data" / "voc-samples" / image_name
    vid = client.register_vocabulary("voc21")
    out = work / ("cpp_" + image_name)
    out.mkdir(exist_ok=True)
    args = [env("ITACLIP_CLI"), "segment", "--server", server.address, "--vocabulary", vid,
            "--image", str(image), "--out", str(out / "labels.png"), "--scores",
            str(out / "scores.npy"), "--score_format", "float32", "--overlay",
            str(out / "overlay.png"), "--preset", "voc21", "--quiet", "--timeout_s", "300"]
    if overrides:
        args += ["--set", ",".join("%s=%s" % kv for kv in overrides.items())]
    subprocess.run(args, check=True)
    cpp_labels = read_png(out / "labels.png")
    cpp_scores = np.load(out / "scores.npy")

    seg = client.segment(image, vid, scores=True, preset="voc21", **overrides)
    assert seg.labels.shape == cpp_labels.shape
    assert np.array_equal(seg.labels, cpp_labels)
    assert seg.scores is not None and cpp_scores.dtype == np.float32
    assert seg.scores.shape == cpp_scores.shape
    assert np.array_equal(seg.scores.view(np.uint32), cpp_scores.view(np.uint32))


def test_overlay_blend_equals_the_cpp_client(client: ic.Client, server, shared: Path,
                                             work: Path) -> None:
    """On a PNG (lossless: both sides decode the same pixels), the blended image left of the
    legend is the C++ client's, pixel for pixel."""
    rgb = _decode(shared / "data" / "voc-samples" / "20.jpg")
    png = work / "parity.png"
    _write_png(png, rgb)
    out = work / "cpp_overlay.png"
    subprocess.run([env("ITACLIP_CLI"), "segment", "--server", server.address, "--class_names",
                    "background; person, man; car; dog; sofa", "--background_first",
                    "--image", str(png), "--out", str(work / "cpp_overlay_labels.png"),
                    "--overlay", str(out), "--set", "short_side=224,pamr_steps=0", "--quiet"],
                   check=True)
    seg = client.segment(png, ic.Vocabulary(["background", ["person", "man"], "car", "dog",
                                             "sofa"], background_first=True),
                         short_side=224, pamr_steps=0)
    cpp = read_png(out)
    ours = seg.overlay()
    h, w = seg.labels.shape
    assert cpp.shape == ours.shape
    assert np.array_equal(ours[:h, :w], cpp[:h, :w])
    # The legend's swatches are the same colours in the same places.
    assert np.array_equal(ours[:, w:w + 26], cpp[:, w:w + 26])


def _decode(path: Path) -> np.ndarray:
    backend = _images.available_backends()[0]
    return _images.decode_rgb(path.read_bytes(), backend)


def _write_png(path: Path, rgb: np.ndarray) -> None:
    backend = _images.available_backends()[0]
    if backend == "pillow":
        import PIL.Image
        PIL.Image.fromarray(rgb).save(path)
    else:
        import cv2
        cv2.imwrite(str(path), rgb[:, :, ::-1])


def test_16_bit_labels_equal_to_the_cpp_client(client: ic.Client, server, shared: Path,
                                               work: Path) -> None:
    """Beyond 256 classes the labels are 16-bit (little-endian on the wire): the same map as the
    C++ client's 16-bit PNG. The classes that win on this image are moved past index 255 (a class's
    score does not depend on its position)."""
    image = shared / "data" / "voc-samples" / "0.jpg"
    fast = {"short_side": 224, "pamr_steps": 0, "prob_thd": 0}
    names = ["thing %d" % i for i in range(300)]
    first = client.segment(image, names, **fast)
    assert first.labels.dtype == np.uint16 and len(first.class_names) == 300
    winners = [i for i in range(300) if first.class_pixel_counts[i] > 0]
    order = [i for i in range(300) if i not in winners] + winners  # new index -> old index
    moved = [names[i] for i in order]
    new_index = np.zeros(300, np.uint16)
    new_index[order] = np.arange(300)
    seg = client.segment(image, moved, **fast)
    # Mostly the first map relabelled: "thing i" are near-ties on the tiny random model, and the
    # text embeddings are batched differently in another order, so not exactly.
    assert (seg.labels == new_index[first.labels]).mean() > 0.9
    assert (seg.labels > 255).mean() > 0.9  # the map really needs 16 bits
    out = work / "cpp_16bit.png"
    subprocess.run([env("ITACLIP_CLI"), "segment", "--server", server.address, "--class_names",
                    "; ".join(moved), "--image", str(image), "--out", str(out),
                    "--set", "short_side=224,pamr_steps=0,prob_thd=0", "--quiet",
                    "--timeout_s", "300"], check=True)
    cpp = read_png(out)
    assert cpp.dtype == np.uint16
    assert np.array_equal(seg.labels, cpp)
