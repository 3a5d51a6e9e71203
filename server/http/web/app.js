// The itaclip-serve web page: registers a vocabulary and segments one image through the server's
// HTTP/JSON API (/v1/...; Protobuf's canonical JSON: lowerCamelCase fields, bytes as base64, int64
// as strings, enums by name), then draws the label map over the image with a legend.
// Plain browser JavaScript, no build step and no dependencies: the server embeds this file.
"use strict";

const TOKEN_KEY = "itaclip.token";  // sessionStorage: the token lives as long as the tab
const BACKGROUND_NAME = "background";

// Everything the page knows; the DOM is drawn from it.
const state = {
  info: null,               // ServerInfo from /v1/info
  presets: new Map(),       // vocabulary presets by name: {name, numClasses, hasDescriptions}
  presetVocabulary: null,   // the preset's VocabularyDefinition while the textarea still holds it
  presetText: "",           // the textarea text that preset produced (an edit makes it custom)
  presetLoad: 0,            // generation counter: only the latest preset request may fill the form
  backgroundTouched: false, // the user set "first class is background" by hand: stop guessing it
  file: null,               // the chosen image File
  fileBase64: null,         // its bytes in base64, computed once per file
  busy: false,
  result: null,             // the last segmentation: labels, size, names, counts, image pixels
  segmentations: 0,
};

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------
// The API

class ApiError extends Error {
  constructor(message, httpStatus) {
    super(message);
    this.httpStatus = httpStatus;
  }
}

function token() {
  return $("token").value.trim();
}

function requestHeaders(hasBody) {
  const headers = {"Accept": "application/json"};
  if (hasBody) headers["Content-Type"] = "application/json";
  const t = token();
  if (t) headers["Authorization"] = "Bearer " + t;
  return headers;
}

// A message for the user from an error answer: the server's own message (error.message), with a
// hint for the statuses the user can do something about.
function describeError(httpStatus, body) {
  const serverMessage = body && body.error && body.error.message;
  const message = serverMessage || `HTTP ${httpStatus}`;
  switch (httpStatus) {
    case 401:
      return token()
        ? `The access token was refused: ${message}`
        : `This server requires an access token: enter it in the “Access token” field. (${message})`;
    case 413:
      return `Too large for the server: ${message}`;
    case 429:
    case 503:
      return `The server is busy or not ready; try again shortly. (${message})`;
    case 504:
      return `The server ran out of time: ${message}`;
    default:
      return message;
  }
}

// fetch() a /v1 route and parse its JSON answer; throws ApiError with a readable message.
async function api(path, {method = "GET", body} = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: requestHeaders(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (e) {
    throw new ApiError(`Cannot reach the server (${e.message}).`, 0);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : {};
  } catch (e) {
    // A proxy's HTML error page, say: fall through with no JSON.
  }
  if (!response.ok) throw new ApiError(describeError(response.status, json), response.status);
  if (json === null) throw new ApiError(`The server's answer to ${path} is not JSON.`, response.status);
  return json;
}

// ---------------------------------------------------------------------------------------------
// Status line and the busy state

function setStatus(message, kind = "idle") {
  const status = $("status");
  status.textContent = message;
  status.dataset.state = kind;  // idle | busy | ok | error: styles it, and tests wait on it
}

function setBusy(busy) {
  state.busy = busy;
  $("controls").setAttribute("aria-busy", String(busy));
  for (const id of ["preset", "pipeline-preset", "image-input"]) $(id).disabled = busy;
  updateDescriptionsCheckbox();
  updateSegmentButton();
}

function updateSegmentButton() {
  $("segment-button").disabled = state.busy || !state.file || !state.info;
}

// ---------------------------------------------------------------------------------------------
// Server information and presets

const RETRY_MS = 3000;
let retryTimer = null;

async function loadServer() {
  clearTimeout(retryTimer);
  $("server-info").textContent = "Connecting to the server…";
  // Both at once; each needs the token on a protected server. Without the presets the page still
  // works with typed classes, so only the server information is required.
  const [info, presets] = await Promise.allSettled([api("/v1/info"), api("/v1/presets")]);
  if (info.status === "rejected") {
    state.info = null;
    $("server-info").textContent = "Server information unavailable.";
    setStatus(info.reason.message, "error");
    // A server still starting (503) or not reachable yet is asked again; a token problem waits
    // for the user to type one.
    const status = info.reason.httpStatus;
    if (status === 0 || status === 503) retryTimer = setTimeout(loadServer, RETRY_MS);
  } else {
    state.info = info.value;
    fillPipelinePresets(info.value);
    $("server-info").textContent = describeServer(info.value);
    if (presets.status === "fulfilled") {
      fillVocabularyPresets(presets.value.presets || []);
      if ($("status").dataset.state === "error") setStatus("");
    } else {
      fillVocabularyPresets([]);
      setStatus(`The preset class lists are unavailable: ${presets.reason.message}`, "error");
    }
  }
  updateSegmentButton();
}

function describeServer(info) {
  const model = info.model || {};
  const parts = [`itaclip-serve ${info.version || ""}`.trim()];
  if (model.architecture) parts.push(`${model.architecture} ${model.dtype || ""}`.trim());
  if (info.device) parts.push(`on ${info.device}`);
  return parts.join(" · ");
}

function fillPipelinePresets(info) {
  const select = $("pipeline-preset");
  const previous = select.value;
  select.replaceChildren();
  for (const name of info.presets || []) select.append(new Option(name, name));
  const wanted = (info.presets || []).includes(previous) ? previous : info.defaultPreset;
  if (wanted) select.value = wanted;
}

function fillVocabularyPresets(presets) {
  const select = $("preset");
  const previous = select.value;
  state.presets = new Map(presets.map((p) => [p.name, p]));
  select.replaceChildren(new Option("Custom (type below)", ""));
  for (const p of presets) {
    select.append(new Option(`${p.name} (${p.numClasses} classes)`, p.name));
  }
  select.value = state.presets.has(previous) ? previous : "";
  updateDescriptionsCheckbox();
}

// "With descriptions" only means something for a preset that has them.
function updateDescriptionsCheckbox() {
  const preset = state.presets.get($("preset").value);
  const available = Boolean(preset && preset.hasDescriptions);
  const box = $("with-descriptions");
  if (!available) box.checked = false;
  box.disabled = state.busy || !available;
}

// Fills the textarea from a preset's vocabulary (asking for its descriptions or not) and keeps
// that definition to send as it is, so that its id matches the preset's everywhere.
async function loadPresetVocabulary() {
  updateDescriptionsCheckbox();
  const name = $("preset").value;
  const generation = ++state.presetLoad;
  if (!name) {
    makeCustom();
    return;
  }
  const descriptions = $("with-descriptions").checked;
  setStatus(`Loading the ${name} classes…`, "busy");
  try {
    const path = `/v1/presets/${encodeURIComponent(name)}/vocabulary?descriptions=${descriptions}`;
    const vocabulary = await api(path);
    if (generation !== state.presetLoad) return;  // the user picked another one meanwhile
    state.presetVocabulary = vocabulary;
    state.presetText = classesToText(vocabulary.classes || []);
    $("classes").value = state.presetText;
    $("background-first").checked = Boolean(vocabulary.backgroundFirst);
    state.backgroundTouched = false;
    // The preset's pipeline parameters are the ones its class list was tuned with.
    if ((state.info && state.info.presets || []).includes(name)) $("pipeline-preset").value = name;
    setStatus(`${name}: ${(vocabulary.classes || []).length} classes` +
              (descriptions ? ", with descriptions." : "."));
  } catch (e) {
    if (generation !== state.presetLoad) return;
    $("preset").value = "";
    makeCustom();
    setStatus(e.message, "error");
  }
}

// The textarea no longer holds a preset: what it says is the vocabulary, without descriptions.
function makeCustom() {
  state.presetVocabulary = null;
  state.presetText = "";
  if ($("preset").value !== "") $("preset").value = "";
  updateDescriptionsCheckbox();
}

function onClassesInput() {
  if (state.presetVocabulary && $("classes").value !== state.presetText) {
    state.presetLoad++;  // a preset request still in flight must not overwrite the edit
    makeCustom();
  }
  if (!state.backgroundTouched) {
    // A list that starts with "background" almost always means a background class.
    const first = $("classes").value.split("\n")[0].split(", ")[0].trim().toLowerCase();
    $("background-first").checked = first === BACKGROUND_NAME;
  }
}

// ---------------------------------------------------------------------------------------------
// Vocabularies: the textarea in the project's class-file syntax (core/text/class_file.h): one
// class per line, several names of one class separated by ", ".

function classesToText(classes) {
  return classes.map((c) => (c.names || []).join(", ")).join("\n");
}

// The classes the textarea describes. Names are split on ", " exactly, as the class files are (so
// "1,5 litre bottle" stays one name), then trimmed; blank lines are skipped (a form is not a file),
// and an empty name is refused here with its line, before anything is sent.
function parseClasses(text) {
  const classes = [];
  const lines = text.split("\n");
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    const names = line.split(", ").map((n) => n.trim());
    if (names.some((n) => !n)) {
      throw new Error(`Line ${index + 1} (“${line}”) has an empty class name.`);
    }
    classes.push({names});
  });
  if (!classes.length) throw new Error("Type at least one class name, or pick a preset.");
  return classes;
}

// The VocabularyDefinition to register: the preset's as the server gave it, or the custom one.
function currentVocabulary() {
  if (state.presetVocabulary) return state.presetVocabulary;
  return {
    classes: parseClasses($("classes").value),
    backgroundFirst: $("background-first").checked,
  };
}

function currentDisplayName() {
  const name = $("preset").value;
  if (state.presetVocabulary && name) {
    return $("with-descriptions").checked ? `${name} with descriptions` : name;
  }
  return "web page";
}

// ---------------------------------------------------------------------------------------------
// The image

function setImageFile(file) {
  if (!file) return;
  if (file.type && !file.type.startsWith("image/")) {
    setStatus(`“${file.name}” is not an image.`, "error");
    return;
  }
  state.file = file;
  state.fileBase64 = null;
  const preview = $("preview");
  if (preview.src) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(file);
  preview.onload = () => {
    $("preview-caption").textContent =
      `${file.name}: ${preview.naturalWidth}×${preview.naturalHeight}, ${formatBytes(file.size)}`;
  };
  $("preview-figure").hidden = false;
  clearResult();
  setStatus(`Image: ${file.name}`);
  updateSegmentButton();
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

// The file's bytes as base64 (a JSON `bytes` field). btoa() takes a binary string, built in
// chunks: String.fromCharCode with one argument per byte overflows the stack on large files.
async function fileBase64(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const chunk = 0x8000;
  let binary = "";
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

function base64Bytes(text) {
  // Accept the URL-safe alphabet and missing padding as well (Protobuf's JSON parsers do).
  let b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  while (b64.length % 4) b64 += "=";
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// The image's pixels at the label map's size (the server labels the image as decoded; a browser
// that orients or decodes it differently still gets an overlay of the right size).
async function imagePixels(file, width, height) {
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return context.getImageData(0, 0, width, height);
}

// ---------------------------------------------------------------------------------------------
// Segmenting

async function segment() {
  if (state.busy) return;
  let vocabulary;
  try {
    if (!state.file) throw new Error("Choose an image first.");
    vocabulary = currentVocabulary();
    checkImageSize(state.file);
  } catch (e) {
    setStatus(e.message, "error");
    return;
  }
  setBusy(true);
  const started = performance.now();
  try {
    setStatus("Registering the vocabulary…", "busy");
    // The same content always gets the same id, so registering before every segmentation costs
    // nothing once the server has it, and a server restarted meanwhile gets it back.
    const registered = await api("/v1/vocabularies", {
      method: "POST",
      body: {vocabulary, displayName: currentDisplayName()},
    });
    setStatus("Segmenting…", "busy");
    if (!state.fileBase64) state.fileBase64 = await fileBase64(state.file);
    const request = {
      encodedImage: state.fileBase64,
      vocabularyId: registered.vocabularyId,
      labelFormat: "LABEL_FORMAT_RAW",
    };
    const pipeline = $("pipeline-preset").value;
    if (pipeline) request.preset = pipeline;
    const segmentStarted = performance.now();
    const response = await api("/v1/segment", {method: "POST", body: request});
    const roundTripMs = performance.now() - segmentStarted;
    await showResult(response);
    renderTiming(response, registered, roundTripMs, performance.now() - started);
    setStatus(`Done: ${response.classNames.length} classes, ` +
              `${response.labels.width}×${response.labels.height} pixels.`, "ok");
  } catch (e) {
    setStatus(e.message, "error");
  } finally {
    setBusy(false);
  }
}

// Refuses before uploading an image the server would refuse for its size anyway.
function checkImageSize(file) {
  const limits = state.info && state.info.limits;
  const max = limits ? Number(limits.maxMessageBytes) : 0;  // int64: a JSON string
  if (max > 0 && file.size > max) {
    throw new Error(`The image is ${formatBytes(file.size)}; this server accepts up to ` +
                    `${formatBytes(max)} per request.`);
  }
}

// The label map of a LABEL_FORMAT_RAW answer: row-major, uint8 or little-endian uint16.
function decodeLabels(labels) {
  const {width, height} = labels;
  const bits = labels.bitsPerPixel;
  if (labels.format !== "LABEL_FORMAT_RAW") {
    throw new Error(`Unexpected label format ${labels.format}.`);
  }
  const bytes = base64Bytes(labels.data || "");
  const count = width * height;
  if (bits === 8 && bytes.length === count) return bytes;
  if (bits === 16 && bytes.length === 2 * count) {
    const view = new DataView(bytes.buffer);
    const values = new Uint16Array(count);
    for (let i = 0; i < count; i++) values[i] = view.getUint16(2 * i, true);
    return values;
  }
  throw new Error(`The label map is malformed (${bytes.length} bytes for ${width}×${height} ` +
                  `at ${bits} bits).`);
}

async function showResult(response) {
  const labels = response.labels;
  const values = decodeLabels(labels);
  const image = await imagePixels(state.file, labels.width, labels.height);
  state.result = {
    width: labels.width,
    height: labels.height,
    labels: values,
    image,
    classNames: response.classNames || [],
    counts: (response.classPixelCounts || []).map(Number),  // int64: JSON strings
  };
  drawOverlay();
  renderLegend();
  state.segmentations++;
  $("overlay").dataset.segmentations = String(state.segmentations);
}

function clearResult() {
  state.result = null;
  const canvas = $("overlay");
  canvas.width = 0;
  canvas.height = 0;
  canvas.setAttribute("aria-label", "The segmentation overlay appears here after segmenting");
  $("overlay-placeholder").hidden = false;
  $("legend").replaceChildren();
  const absent = $("legend-absent");
  if (absent) absent.remove();
  $("timing").textContent = "";
  $("hover-label").textContent = "";
}

// ---------------------------------------------------------------------------------------------
// Drawing

// The PASCAL VOC colour map: label i's bits, three at a time, spread over the high bits of R, G
// and B; neighbouring labels get clearly different colours and label 0 is black.
const colourCache = new Map();
function labelColour(label) {
  let colour = colourCache.get(label);
  if (colour) return colour;
  let r = 0;
  let g = 0;
  let b = 0;
  let c = label;
  for (let j = 0; j < 8; j++) {
    r |= ((c >> 0) & 1) << (7 - j);
    g |= ((c >> 1) & 1) << (7 - j);
    b |= ((c >> 2) & 1) << (7 - j);
    c >>= 3;
  }
  colour = [r, g, b];
  colourCache.set(label, colour);
  return colour;
}

function cssColour(label) {
  const [r, g, b] = labelColour(label);
  return `rgb(${r}, ${g}, ${b})`;
}

// The image blended with each pixel's label colour; redrawn as the opacity slider moves, from the
// kept image pixels and labels (nothing is asked of the server again).
function drawOverlay() {
  const result = state.result;
  if (!result) return;
  const alpha = Number($("opacity").value) / 100;
  const canvas = $("overlay");
  canvas.width = result.width;
  canvas.height = result.height;
  const context = canvas.getContext("2d");
  const out = context.createImageData(result.width, result.height);
  const src = result.image.data;
  const dst = out.data;
  for (let i = 0, p = 0; i < result.labels.length; i++, p += 4) {
    const [r, g, b] = labelColour(result.labels[i]);
    dst[p] = src[p] * (1 - alpha) + r * alpha;
    dst[p + 1] = src[p + 1] * (1 - alpha) + g * alpha;
    dst[p + 2] = src[p + 2] * (1 - alpha) + b * alpha;
    dst[p + 3] = 255;
  }
  context.putImageData(out, 0, 0);
  $("overlay-placeholder").hidden = true;
  canvas.setAttribute("aria-label", `Segmentation overlay, ${result.width}×${result.height}; ` +
                      "the legend lists the classes");
}

// The classes with pixels, largest share first; those without any go into a closed list below.
function renderLegend() {
  const {classNames, counts} = state.result;
  const total = counts.reduce((a, b) => a + b, 0) || 1;
  const entries = classNames.map((name, label) => ({name, label, pixels: counts[label] || 0}));
  const present = entries.filter((e) => e.pixels > 0).sort((a, b) => b.pixels - a.pixels);
  const absent = entries.filter((e) => e.pixels === 0);

  const legend = $("legend");
  legend.replaceChildren(...present.map((e) => legendItem(e, total)));

  const old = $("legend-absent");
  if (old) old.remove();
  if (absent.length) {
    const details = document.createElement("details");
    details.id = "legend-absent";
    details.className = "legend-absent";
    const summary = document.createElement("summary");
    summary.textContent = `${absent.length} class${absent.length === 1 ? "" : "es"} with no pixels`;
    const list = document.createElement("ul");
    list.append(...absent.map((e) => legendItem(e, total)));
    details.append(summary, list);
    legend.after(details);
  }
}

function legendItem(entry, total) {
  const share = (100 * entry.pixels) / total;
  const item = document.createElement("li");
  item.dataset.label = String(entry.label);
  item.dataset.pixels = String(entry.pixels);
  item.dataset.share = String(share);
  if (!entry.pixels) item.className = "absent";
  const swatch = document.createElement("span");
  swatch.className = "swatch";
  swatch.style.backgroundColor = cssColour(entry.label);
  swatch.setAttribute("aria-hidden", "true");
  const name = document.createElement("span");
  name.className = "class-name";
  name.textContent = entry.name;
  const value = document.createElement("span");
  value.className = "share";
  value.textContent = `${share.toFixed(1)} %`;
  item.append(swatch, name, value);
  item.title = `label ${entry.label}: ${entry.pixels} pixels`;
  return item;
}

function renderTiming(response, registered, roundTripMs, totalMs) {
  const t = response.timings || {};
  const ms = (v) => `${Number(v || 0).toFixed(0)} ms`;
  const registration = registered.alreadyRegistered
    ? "already registered"
    : `registered in ${ms(registered.buildMs)}`;
  $("timing").replaceChildren(
    line(`Server: ${ms(t.totalMs)} (queued ${ms(t.queuedMs)}, preprocessing ${ms(t.preprocessMs)}, ` +
         `model ${ms(t.modelMs)}, postprocessing ${ms(t.postprocessMs)}); ` +
         `browser round trip ${ms(roundTripMs)}, with registration ${ms(totalMs)}.`),
    line(`${response.crops} crop${response.crops === 1 ? "" : "s"} · vocabulary ` +
         `${response.vocabularyId} (${registration}) · request ${response.requestId}`));
}

function line(text) {
  const span = document.createElement("span");
  span.className = "timing-line";
  span.textContent = text;
  return span;
}

// Names the class under the pointer: small classes are hard to tell apart by colour alone.
function onOverlayPointer(event) {
  const result = state.result;
  if (!result) return;
  const canvas = $("overlay");
  const rect = canvas.getBoundingClientRect();
  const x = Math.floor(((event.clientX - rect.left) * result.width) / rect.width);
  const y = Math.floor(((event.clientY - rect.top) * result.height) / rect.height);
  if (x < 0 || y < 0 || x >= result.width || y >= result.height) return;
  const label = result.labels[y * result.width + x];
  $("hover-label").textContent = `(${x}, ${y}): ${result.classNames[label] ?? `label ${label}`}`;
}

// ---------------------------------------------------------------------------------------------
// Wiring

function setUpDropZone() {
  const zone = $("drop-zone");
  const stop = (event) => {
    event.preventDefault();
    event.stopPropagation();
  };
  zone.addEventListener("dragover", (event) => {
    stop(event);
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    stop(event);
    zone.classList.remove("dragging");
    if (!state.busy) setImageFile(event.dataTransfer.files[0]);
  });
  // A drop that misses the zone must not navigate away from the page to the image.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());
}

function init() {
  $("token").value = sessionStorage.getItem(TOKEN_KEY) || "";
  $("token").addEventListener("input", () => sessionStorage.setItem(TOKEN_KEY, token()));
  // A new token may open what the old one could not: ask again once it is entered.
  $("token").addEventListener("change", loadServer);
  $("image-input").addEventListener("change", (e) => setImageFile(e.target.files[0]));
  $("preset").addEventListener("change", loadPresetVocabulary);
  $("with-descriptions").addEventListener("change", loadPresetVocabulary);
  $("classes").addEventListener("input", onClassesInput);
  $("background-first").addEventListener("change", () => { state.backgroundTouched = true; });
  $("opacity").addEventListener("input", () => {
    $("opacity-value").textContent = `${$("opacity").value}%`;
    drawOverlay();
  });
  $("overlay").addEventListener("pointermove", onOverlayPointer);
  $("controls").addEventListener("submit", (event) => {
    event.preventDefault();
    segment();
  });
  setUpDropZone();
  loadServer();
}

document.addEventListener("DOMContentLoaded", init);
