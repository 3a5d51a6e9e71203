"""The web page the server serves at / (server/http/web/), driven in headless Chromium by Selenium
against the real itaclip-server on the tiny checkpoint, with bearer tokens turned on:
(a) the page loads (title), says that the server wants a token (401), and once one is typed loads
    the presets (vocabulary and pipeline, the default preset selected) and keeps the token in
    sessionStorage;
(b) an uploaded VOC photograph and typed class names segment: the Segment button is disabled while
    the request is in flight; the overlay canvas has the image's size and is not uniform; the
    legend lists the classes with shares summing to 100 %; #timing shows the server's and the
    browser's times; the vocabulary id is the one the server gives that content, and the legend's
    pixel counts are those of the same Segment call made here over HTTP; at full opacity the canvas
    is exactly the PASCAL VOC colour of each pixel's label (the page reads the raw labels
    right); a screenshot is saved;
(c) a preset (voc21, without descriptions) fills the classes and the pipeline preset, segments, and
    its legend shows VOC names with the preset vocabulary's id; editing the list makes it custom;
(d) errors show the server's message: a class name that is only a zero-width space (400), a wrong
    token (401);
(e) at a phone's width the page is one column with no horizontal scrolling, and the browser's
    console has no JavaScript error.

usage: web_page.py --server ITACLIP_SERVER --checkpoint CKPT --bpe BPE --work DIR
                   [--screenshot PNG] [--image JPG]
   or: web_page.py --url http://HOST:PORT [--token TOKEN] --work DIR ... (a server already running)
(env ITACLIP_SHARED_DIR: the shared/ folder, for the default image)

Needs Debian's chromium and chromium-driver and Selenium (scripts/requirements-test.txt); exits 1
with a message when one is missing. Selenium is given the chromedriver path and the browser binary,
so Selenium Manager never looks for (or downloads) either.
"""
import argparse
import base64
import json
import os
import re
import secrets
import shutil
import sys
import time
import traceback
import urllib.error
import urllib.request

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_server import Checks, Server  # noqa: E402

CHROMEDRIVER_CANDIDATES = ["/usr/bin/chromedriver", "chromedriver"]
CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"]
WAIT_S = 120
# Names sensible for the default image (582.jpg: people on motorbikes); the second class has two
# names, in the class-file syntax.
CLASSES_TEXT = "background\nperson\nmotorbike, motorcycle\ncar"
CLASSES = [["background"], ["person"], ["motorbike", "motorcycle"], ["car"]]


def find_executable(candidates):
    for candidate in candidates:
        path = shutil.which(candidate)
        if path:
            return path
    return None


def voc_colour(label):
    """The PASCAL VOC colour map (the page's, written independently)."""
    r = g = b = 0
    c = label
    for j in range(8):
        r |= ((c >> 0) & 1) << (7 - j)
        g |= ((c >> 1) & 1) << (7 - j)
        b |= ((c >> 2) & 1) << (7 - j)
        c >>= 3
    return r, g, b


class Http:
    """The server's JSON API over urllib, independently of the page."""

    def __init__(self, base, token=""):
        self.base = base
        self.token = token

    def call(self, method, path, body=None, token=None):
        """(HTTP status, parsed JSON body)."""
        token = self.token if token is None else token
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(request, timeout=WAIT_S) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, {"raw": text.decode(errors="replace")}

    def ok(self, method, path, body=None):
        status, answer = self.call(method, path, body)
        if status != 200:
            raise AssertionError("%s %s: HTTP %d %s" % (method, path, status, answer))
        return answer


def wait_health(http, server, timeout_s=WAIT_S):
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        if server is not None and server.process.poll() is not None:
            raise AssertionError("server exited (%d):\n%s" % (server.process.returncode,
                                                              server.log_text()))
        try:
            last = http.call("GET", "/v1/health", token="")
            if last[0] == 200:
                return
        except OSError as e:
            last = e
        time.sleep(0.1)
    raise AssertionError("/v1/health not 200 within %d s (last: %s)" % (timeout_s, last))


def start_server(args, token):
    tokens_file = os.path.join(args.work, "tokens.txt")
    with open(tokens_file, "w") as f:
        f.write(token + "\n")
    server = Server(args.server, args.checkpoint, args.bpe, os.path.join(args.work, "server.log"),
                    extra_args=["--bearer_tokens_file", tokens_file] +
                    (["--descriptions_dir", args.descriptions_dir] if args.descriptions_dir else []))
    try:
        server.wait_listening()
        if not server.http_port:
            raise AssertionError("the listening event has no http_port: %s" %
                                 server.event("listening"))
    except AssertionError:
        server.kill()
        raise
    return server, "http://127.0.0.1:%d" % server.http_port


def make_driver(args):
    """Headless Chromium through Debian's chromedriver; None (with the reason printed) when
    either or Selenium is missing."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        print("web_page.py needs Selenium (scripts/requirements-test.txt): %s" % e)
        return None
    driver_path = find_executable(CHROMEDRIVER_CANDIDATES)
    browser_path = find_executable(CHROMIUM_CANDIDATES)
    if not driver_path or not browser_path:
        print("web_page.py needs Chromium and its chromedriver (Debian: apt-get install chromium "
              "chromium-driver; scripts/setup_debian.sh); missing: %s" %
              ", ".join(n for n, p in [("chromedriver", driver_path), ("chromium", browser_path)]
                        if not p))
        return None
    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,1200", "--force-device-scale-factor=1",
                 "--user-data-dir=" + os.path.join(args.work, "chromium-profile"),
                 "--no-first-run", "--disable-extensions", "--disable-background-networking"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=driver_path,
                      log_output=os.path.join(args.work, "chromedriver.log"))
    return webdriver.Chrome(service=service, options=options)


class Page:
    """The page's elements and the waits on them."""

    def __init__(self, driver):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select, WebDriverWait
        self.driver = driver
        self.By = By
        self.Select = Select
        self.WebDriverWait = WebDriverWait

    def el(self, element_id):
        return self.driver.find_element(self.By.ID, element_id)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def wait(self, what, predicate, timeout_s=WAIT_S):
        """predicate() truthy within timeout_s, else AssertionError naming `what` and the status."""
        from selenium.common.exceptions import TimeoutException
        try:
            return self.WebDriverWait(self.driver, timeout_s, poll_frequency=0.1).until(
                lambda _: predicate())
        except TimeoutException:
            raise AssertionError("%s not seen within %d s; #status says %r" %
                                 (what, timeout_s, self.status()))

    def status(self):
        return self.js("const s = document.getElementById('status');"
                       "return [s.dataset.state, s.textContent];")

    def wait_status(self, state, timeout_s=WAIT_S):
        return self.wait("#status in state " + state,
                         lambda: self.status()[0] == state and self.status(), timeout_s)

    def set_value(self, element_id, value, event="input"):
        """Sets a field as typing would, firing its event (for text send_keys cannot type)."""
        self.js("const e = document.getElementById(arguments[0]); e.value = arguments[1];"
                "e.dispatchEvent(new Event(arguments[2], {bubbles: true}));",
                element_id, value, event)

    def segmentations(self):
        return int(self.el("overlay").get_attribute("data-segmentations") or 0)

    def click_segment(self):
        """Clicks Segment; returns whether the button was disabled right after the click (the
        click's submit handler runs synchronously up to the first request)."""
        return self.js("const b = document.getElementById('segment-button'); b.click();"
                       "return b.disabled;")

    def segment(self, checks, name):
        """Clicks Segment and waits for this segmentation's result; False when it failed."""
        before = self.segmentations()
        checks.check(name + ".button_disabled_in_flight", self.click_segment())
        self.wait("segmentation " + name,
                  lambda: self.segmentations() > before or self.status()[0] == "error")
        state, text = self.status()
        if not checks.check(name + ".succeeds", state == "ok" and self.segmentations() > before,
                            "status %s: %s" % (state, text)):
            return False
        checks.check(name + ".button_enabled_after", self.el("segment-button").is_enabled())
        return True

    def legend(self):
        """[{label, pixels, share, name, shown}] of the classes with pixels, in the page's order."""
        return self.js("""
            return Array.from(document.querySelectorAll('#legend li')).map((li) => ({
              label: Number(li.dataset.label), pixels: Number(li.dataset.pixels),
              share: Number(li.dataset.share),
              name: li.querySelector('.class-name').textContent,
              shown: li.querySelector('.share').textContent}));""")

    def absent_legend(self):
        return self.js("return Array.from(document.querySelectorAll('#legend-absent li'))"
                       ".map((li) => li.querySelector('.class-name').textContent);")

    def canvas(self):
        """(width, height, RGB bytes as a HxWx3 array) of #overlay."""
        width, height, rgb = self.js("""
            const c = document.getElementById('overlay');
            if (!c.width || !c.height) return [c.width, c.height, ''];
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const rgb = new Uint8Array(c.width * c.height * 3);
            for (let i = 0, j = 0; i < d.length; i += 4, j += 3) {
              rgb[j] = d[i]; rgb[j + 1] = d[i + 1]; rgb[j + 2] = d[i + 2];
            }
            let s = '';
            for (let i = 0; i < rgb.length; i += 0x8000) {
              s += String.fromCharCode.apply(null, rgb.subarray(i, i + 0x8000));
            }
            return [c.width, c.height, btoa(s)];""")
        if not rgb:
            return width, height, None
        return width, height, np.frombuffer(base64.b64decode(rgb), np.uint8).reshape(
            height, width, 3)

    def vocabulary_id_shown(self):
        found = re.search(r"voc-[0-9a-f]{32}", self.el("timing").text)
        return found.group(0) if found else None


def save_full_page_screenshot(driver, path):
    """The whole page, not only the window (Chromium's DevTools protocol)."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    return os.path.getsize(path) > 0


def check_narrow(checks, page):
    """At a phone's width the page scrolls down only: nothing is wider than the window."""
    page.driver.set_window_size(400, 900)
    overflow = page.js("return [document.documentElement.scrollWidth, "
                       "document.documentElement.clientWidth];")
    checks.check("narrow.no_horizontal_overflow", overflow[0] <= overflow[1], str(overflow))
    checks.check("narrow.one_column", page.js(
        "const c = document.getElementById('controls').getBoundingClientRect();"
        "const r = document.querySelector('.results').getBoundingClientRect();"
        "return r.top >= c.bottom;"))


def server_segmentation(http, image_bytes, vocabulary_id, preset):
    """The same Segment call the page makes, here: (class names, counts, HxW labels)."""
    answer = http.ok("POST", "/v1/segment", {
        "encodedImage": base64.b64encode(image_bytes).decode(),
        "vocabularyId": vocabulary_id, "preset": preset, "labelFormat": "LABEL_FORMAT_RAW"})
    labels = answer["labels"]
    data = base64.b64decode(labels["data"])
    dtype = np.uint8 if labels["bitsPerPixel"] == 8 else np.dtype("<u2")
    values = np.frombuffer(data, dtype).reshape(labels["height"], labels["width"])
    return answer["classNames"], [int(c) for c in answer["classPixelCounts"]], values


def check_legend(checks, name, legend, class_names):
    shares = [float(item["shown"].rstrip(" %")) for item in legend]
    checks.check(name + ".legend_lists_classes",
                 legend and all(item["name"] in class_names for item in legend),
                 "legend %s, classes %s" % (legend, class_names))
    checks.check(name + ".legend_shares_sum_to_100",
                 abs(sum(item["share"] for item in legend) - 100) < 1e-6 and
                 abs(sum(shares) - 100) <= 0.05 * len(shares) + 1e-9,
                 "shares %s" % shares)
    checks.check(name + ".legend_sorted_by_share",
                 all(a["pixels"] >= b["pixels"] for a, b in zip(legend, legend[1:])),
                 str([item["pixels"] for item in legend]))


def check_first_segmentation(checks, page, http, args, image_bytes):
    """(b): typed classes on an uploaded photograph."""
    # A file dropped on the drop zone is taken (here a synthetic drop event carrying a File).
    page.js("""
        const bytes = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], 'dropped.jpg', {type: 'image/jpeg'}));
        document.getElementById('drop-zone').dispatchEvent(
            new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));""",
            base64.b64encode(image_bytes).decode())
    page.wait("the dropped image's preview", lambda: "dropped.jpg" in page.el("preview-caption").text)
    checks.check("upload.drop_takes_the_image", page.el("segment-button").is_enabled())
    page.el("image-input").send_keys(os.path.abspath(args.image))
    page.wait("the chosen image's preview",
              lambda: os.path.basename(args.image) in page.el("preview-caption").text)
    page.wait("the Segment button enabled", lambda: page.el("segment-button").is_enabled())
    page.wait("the preview", lambda: page.js(
        "return document.getElementById('preview').naturalWidth > 0"))
    checks.check("upload.preview_shown", page.el("preview").is_displayed())
    classes = page.el("classes")
    classes.clear()
    classes.send_keys(CLASSES_TEXT)
    checks.check("custom.background_first_guessed", page.el("background-first").is_selected())
    if not page.segment(checks, "custom"):
        return
    expected_size = page.js("const i = document.getElementById('preview');"
                            "return [i.naturalWidth, i.naturalHeight];")
    width, height, rgb = page.canvas()
    checks.check("custom.overlay_has_image_size", [width, height] == expected_size,
                  "%sx%s, image %s" % (width, height, expected_size))
    checks.check("custom.overlay_not_uniform",
                 rgb is not None and len(np.unique(rgb.reshape(-1, 3), axis=0)) > 100)
    legend = page.legend()
    check_legend(checks, "custom", legend, [names[0] for names in CLASSES])
    timing = page.el("timing").text
    checks.check("custom.timing_shown",
                 re.search(r"Server: \d+ ms", timing) and re.search(r"round trip \d+ ms", timing)
                 and re.search(r"\d+ crops?", timing), repr(timing))
    shot = args.screenshot or os.path.join(args.work, "web_page.png")
    page.js("document.activeElement.blur();")  # no focus ring in the picture
    checks.check("custom.screenshot_saved", save_full_page_screenshot(page.driver, shot), shot)
    print("     screenshot: " + shot)

    # The page's vocabulary is the content typed (same id), and its legend the server's counts.
    registered = http.ok("POST", "/v1/vocabularies", {"vocabulary": {
        "classes": [{"names": names} for names in CLASSES], "backgroundFirst": True}})
    vocabulary_id = registered["vocabularyId"]
    checks.check("custom.vocabulary_id_of_the_content", page.vocabulary_id_shown() == vocabulary_id,
                 "page %s, server %s" % (page.vocabulary_id_shown(), vocabulary_id))
    preset = page.el("pipeline-preset").get_attribute("value")
    names, counts, labels = server_segmentation(http, image_bytes, vocabulary_id, preset)
    shown = {item["label"]: item["pixels"] for item in legend}
    expected = {label: count for label, count in enumerate(counts) if count > 0}
    checks.check("custom.legend_counts_match_server", shown == expected,
                 "page %s, server %s" % (shown, expected))
    checks.check("custom.legend_names_match_server",
                 all(item["name"] == names[item["label"]] for item in legend))
    checks.check("custom.absent_classes_dimmed",
                 sorted(page.absent_legend()) == sorted(n for n, c in zip(names, counts) if not c))
    # At full opacity the canvas is the colour map of the labels: the raw bytes were read in the
    # right order and width.
    page.set_value("opacity", "100")
    _, _, rgb = page.canvas()
    colours = np.array([voc_colour(i) for i in range(len(names))], np.uint8)
    checks.check("custom.overlay_is_the_label_map",
                 rgb is not None and rgb.shape == labels.shape + (3,) and
                 np.array_equal(rgb, colours[labels]),
                 "differs at %d pixels" % (np.count_nonzero(np.any(rgb != colours[labels], axis=2))
                                           if rgb is not None and rgb.shape == labels.shape + (3,)
                                           else -1))
    page.set_value("opacity", "55")


def check_preset(checks, page, http, presets):
    """(c): the voc21 preset without descriptions."""
    page.Select(page.el("preset")).select_by_value("voc21")
    vocabulary = http.ok("GET", "/v1/presets/voc21/vocabulary?descriptions=false")
    expected_text = "\n".join(", ".join(c["names"]) for c in vocabulary["classes"])
    page.wait("the voc21 classes in #classes",
              lambda: page.el("classes").get_attribute("value") == expected_text)
    checks.check("preset.descriptions_checkbox_follows_preset",
                 page.el("with-descriptions").is_enabled() == presets["voc21"]["hasDescriptions"]
                 and not page.el("with-descriptions").is_selected())
    checks.check("preset.pipeline_preset_follows",
                 page.el("pipeline-preset").get_attribute("value") == "voc21")
    checks.check("preset.background_first_from_preset",
                 page.el("background-first").is_selected() == vocabulary["backgroundFirst"])
    if not page.segment(checks, "preset"):
        return
    voc_names = [c["names"][0] for c in vocabulary["classes"]]
    check_legend(checks, "preset", page.legend(), voc_names)
    registered = http.ok("POST", "/v1/vocabularies", {"vocabulary": vocabulary})
    checks.check("preset.vocabulary_id_of_the_preset",
                 page.vocabulary_id_shown() == registered["vocabularyId"],
                 "page %s, server %s" % (page.vocabulary_id_shown(), registered["vocabularyId"]))
    if presets["voc21"]["hasDescriptions"]:
        page.el("with-descriptions").click()
        page.wait("the voc21 classes with descriptions",
                  lambda: "with descriptions" in page.status()[1])
    # An edit turns the list into a custom vocabulary (no preset, no descriptions).
    page.el("classes").send_keys(" ")
    checks.check("preset.edit_makes_custom",
                 page.el("preset").get_attribute("value") == "" and
                 not page.el("with-descriptions").is_selected() and
                 not page.el("with-descriptions").is_enabled())


def check_errors(checks, page, http, token):
    """(d): the server's messages for a class name with no text and for a wrong token."""
    bad = {"classes": [{"names": ["background"]}, {"names": ["\u200b"]}], "backgroundFirst": True}
    status, answer = http.call("POST", "/v1/vocabularies", {"vocabulary": bad})
    message = answer.get("error", {}).get("message", "")
    checks.check("errors.server_refuses_empty_name", status == 400 and message,
                 "%d %s" % (status, answer))
    page.set_value("classes", "background\n\u200b")
    page.click_segment()
    state, text = page.wait_status("error")
    checks.check("errors.empty_name_message_shown", message and message in text,
                 "status %r, server %r" % (text, message))

    status, answer = http.call("GET", "/v1/info", token="not-" + token)
    message = answer.get("error", {}).get("message", "")
    checks.check("errors.server_refuses_wrong_token", status == 401, "%d %s" % (status, answer))
    page.set_value("token", "not-" + token, event="input")
    page.set_value("token", "not-" + token, event="change")
    # #status already shows the previous error: wait for the new one.
    state, text = page.wait("the wrong token's message", lambda: page.status()[0] == "error" and
                            "token" in page.status()[1].lower() and page.status())
    checks.check("errors.wrong_token_message_shown",
                 "token" in text.lower() and message and message in text,
                 "status %r, server %r" % (text, message))


def check_console(checks, page):
    """No JavaScript error; failed requests (the 401s and 400s made on purpose) are logged by the
    browser as "Failed to load resource" and are not errors of the page."""
    try:
        entries = page.driver.get_log("browser")
    except Exception as e:  # a driver without the log endpoint
        print("     (no browser log: %s)" % e)
        return
    errors = [e["message"] for e in entries
              if e.get("level") == "SEVERE" and "Failed to load resource" not in e["message"]]
    checks.check("console.no_javascript_errors", not errors, "\n".join(errors))


def run(checks, driver, http, args, token):
    page = Page(driver)
    image_bytes = open(args.image, "rb").read()
    info = http.ok("GET", "/v1/info")
    presets = {p["name"]: p for p in http.ok("GET", "/v1/presets")["presets"]}

    # (a)
    driver.get(http.base + "/")
    checks.check("load.title", "itaclip" in driver.title, repr(driver.title))
    if token:
        state, text = page.wait_status("error")
        checks.check("load.asks_for_token", "access token" in text, repr(text))
        page.el("token").send_keys(token)
        page.el("classes").click()  # leaving the field fires its change event
    page.wait("the presets", lambda: len(page.Select(page.el("preset")).options) > 1)
    options = [o.get_attribute("value") for o in page.Select(page.el("preset")).options]
    checks.check("load.presets", set(presets) <= set(options) and "voc21" in options,
                 "page %s, server %s" % (options, sorted(presets)))
    pipeline = [o.get_attribute("value") for o in page.Select(page.el("pipeline-preset")).options]
    checks.check("load.pipeline_presets",
                 pipeline == info["presets"] and
                 page.el("pipeline-preset").get_attribute("value") == info["defaultPreset"],
                 "page %s, server %s" % (pipeline, info["presets"]))
    if token:
        checks.check("load.token_in_session_storage",
                     page.js("return sessionStorage.getItem('itaclip.token')") == token)
        checks.check("load.status_cleared", page.status()[0] != "error", str(page.status()))

    check_first_segmentation(checks, page, http, args, image_bytes)  # (b)
    check_preset(checks, page, http, presets)  # (c)
    check_errors(checks, page, http, token)  # (d)
    check_narrow(checks, page)
    check_console(checks, page)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", help="the itaclip-server binary")
    parser.add_argument("--checkpoint")
    parser.add_argument("--bpe")
    parser.add_argument("--url", help="a server already running (instead of --server ...)")
    parser.add_argument("--token", default="", help="with --url: its bearer token")
    parser.add_argument("--work", required=True)
    parser.add_argument("--screenshot", help="where to save it (default WORK/web_page.png)")
    parser.add_argument("--image", help="default: $ITACLIP_SHARED_DIR/data/voc-samples/582.jpg")
    parser.add_argument("--descriptions_dir", help="the server's (default: the published texts "
                        "under $ITACLIP_SHARED_DIR/reference/itaclip/llama_generated_texts)")
    args = parser.parse_args()
    if not args.url and not (args.server and args.checkpoint and args.bpe):
        parser.error("give --server, --checkpoint and --bpe, or --url")
    shared = os.environ.get("ITACLIP_SHARED_DIR")
    if not args.descriptions_dir and shared:
        texts = os.path.join(shared, "reference", "itaclip", "llama_generated_texts")
        args.descriptions_dir = texts if os.path.isdir(texts) else None
    if not args.image:
        if not shared:
            parser.error("give --image or set ITACLIP_SHARED_DIR")
        args.image = os.path.join(shared, "data", "voc-samples", "582.jpg")
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)

    started = time.monotonic()
    driver = make_driver(args)
    if driver is None:
        return 1
    checks = Checks()
    server = None
    try:
        if args.url:
            token = args.token
            http = Http(args.url.rstrip("/"), token)
        else:
            token = secrets.token_hex(16)
            server, base = start_server(args, token)
            http = Http(base, token)
        wait_health(http, server)
        run(checks, driver, http, args, token)
    except AssertionError as e:
        checks.check("ran to the end", False, str(e))
    except Exception:  # a WebDriver error, say: reported like a failed check, with its trace
        checks.check("ran to the end", False, traceback.format_exc())
    finally:
        driver.quit()
        if server is not None:
            code = server.terminate()
            server.kill()
            checks.check("server.exits_0", code == 0,
                         "exit %s; log %s" % (code, os.path.join(args.work, "server.log")))
    print("web_page.py took %.1f s" % (time.monotonic() - started))
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
