// KOSMOS-G playground: one page over the public API (GET /v1/models, POST /v1/generations as SSE,
// POST /v1/jobs/{id}/cancel). No framework and no build step, so the service serves it as it is.
"use strict";

// The schedulers the pipelines know (Core/Schedulers/SchedulerFactory); /v1/models names only the default.
const SCHEDULERS = ["dpms", "pndm", "ddim", "euler", "euler-a"];
const HISTORY_KEY = "kosmosg.history";
const API_KEY_KEY = "kosmosg.apiKey";
const HISTORY_MAX = 30;
// Input images larger than this (as data URLs, all together) are not kept in history: localStorage holds ~5 MB.
const HISTORY_INPUT_CHARS = 1_500_000;
const SETTINGS = ["steps", "guidance_scale", "scheduler", "n", "width", "height", "preview_every"];

const $ = id => document.getElementById(id);
// Relative URLs, so the page works under any path prefix a proxy or load balancer puts in front of it.
const api = path => new URL(path, document.baseURI).href;

const state = {
  model: null,          // data[0] of /v1/models
  images: new Map(),    // image id -> {name, dataUrl}
  nextImageId: 1,
  savedRange: null,     // the last caret position inside the composer
  job: null,            // {id, controller} while a generation runs
  lastSeed: null,
  loras: null,          // names from /v1/loras when that endpoint answers 200
  controlImage: null,   // {name, dataUrl}
};

// ---------------------------------------------------------------- API access

function authHeaders() {
  const key = localStorage.getItem(API_KEY_KEY);
  return key ? { Authorization: "Bearer " + key } : {};
}

async function readProblem(response) {
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try { return await response.json(); } catch { /* fall through */ }
  }
  return { status: response.status, detail: `${response.status} ${response.statusText}`.trim() };
}

async function loadModel() {
  let response;
  try {
    response = await fetch(api("v1/models"), { headers: authHeaders() });
  } catch (e) {
    $("model-info").textContent = "The service does not answer; retrying…";
    setTimeout(loadModel, 3000);
    return;
  }
  if (response.status === 401) {
    const problem = await readProblem(response);
    $("key-box").hidden = false;
    $("model-info").textContent = "An API key is needed.";
    showFieldError("Authorization", localStorage.getItem(API_KEY_KEY) ? problem.detail : "");
    $("api-key").focus();
    return;
  }
  if (response.status === 503) {
    $("model-info").textContent = "The model is loading…";
    setTimeout(loadModel, 2000);
    return;
  }
  if (!response.ok) {
    $("model-info").textContent = (await readProblem(response)).detail;
    return;
  }
  clearFieldError("Authorization");
  const model = (await response.json()).data[0];
  state.model = model;
  const workers = model.workers.map(w => `${w.device} ${w.state}`).join(", ");
  $("model-info").textContent = `${model.id} · ${model.kind} · ${model.dtype} · ${workers}`;
  applyLimits(model);
  applyDefaults(model.defaults);
  probeExtras();
}

function applyLimits(model) {
  const l = model.limits;
  setRange("steps", l.min_steps, l.max_steps, 1);
  setRange("guidance_scale", l.min_guidance_scale, l.max_guidance_scale, 0.1);
  setRange("n", 1, l.max_n, 1);
  setRange("width", l.min_size, l.max_size, l.size_multiple);
  setRange("height", l.min_size, l.max_size, l.size_multiple);
  $("seed").max = 4294967295;
  const scheduler = $("scheduler");
  scheduler.replaceChildren(...[...new Set([model.defaults.scheduler, ...SCHEDULERS])].map(s => new Option(s, s)));
  const imagesAllowed = model.accepts_images && model.max_images > 0;
  $("add-image").hidden = !imagesAllowed;
  $("prompt-help").textContent = imagesAllowed
    ? `Up to ${model.max_images} images, each a numbered chip where its <i> stands (file picker, drop or paste). Ctrl+Enter generates.`
    : "This model takes text only. Ctrl+Enter generates.";
}

function setRange(id, min, max, step) {
  const input = $(id);
  input.min = min;
  input.max = max;
  input.step = step;
  input.title = `${min} to ${max}`;
}

function applyDefaults(d) {
  $("steps").value = d.steps;
  $("guidance_scale").value = d.guidance_scale;
  $("scheduler").value = d.scheduler;
  $("width").value = d.width;
  $("height").value = d.height;
  $("n").value = 1;
  $("preview_every").value = Math.max(1, Math.round(d.steps / 4));
}

// LoRA and ControlNet pickers appear only where the service lists them. The OpenAPI document says whether the
// endpoints exist, so a service without them gets no request (and the console no 404).
async function probeExtras() {
  let paths = null;
  try {
    const doc = await fetch(api("openapi/v1.json"));
    if (doc.ok) paths = (await doc.json()).paths || {};
  } catch { /* probe directly below */ }
  for (const [path, kind] of [["/v1/loras", "loras"], ["/v1/controlnets", "controlnets"]]) {
    if (paths && !(path in paths)) continue;
    try {
      const response = await fetch(api(path.slice(1)), { headers: authHeaders() });
      if (response.ok) showExtras(kind, await response.json());
    } catch { /* not offered */ }
  }
}

function listOf(body, kind) {
  const items = Array.isArray(body) ? body : body.data || body[kind] || [];
  return items.map(i => (typeof i === "string" ? i : i.name || i.id)).filter(Boolean);
}

function showExtras(kind, body) {
  const names = listOf(body, kind);
  if (kind === "loras") {
    state.loras = names;
    $("lora-list").replaceChildren(...names.map((name, i) => {
      const li = document.createElement("li");
      li.innerHTML = `<label class="check"><input type="checkbox" data-lora="${i}"> <span></span></label>
        <label class="scale">scale <input type="number" step="0.05" value="1" data-lora-scale="${i}" aria-label="scale"></label>`;
      li.querySelector("span").textContent = name;
      li.querySelector("[data-lora-scale]").setAttribute("aria-label", `${name} scale`);
      return li;
    }));
    $("lora-box").hidden = names.length === 0;
  } else {
    $("controlnet").replaceChildren(new Option("none", ""), ...names.map(n => new Option(n, n)));
    const preprocessors = (!Array.isArray(body) && body.preprocessors) || ["none", "canny"];
    $("preprocessor").replaceChildren(...preprocessors.map(p => new Option(p, p)));
    $("controlnet-box").hidden = names.length === 0;
  }
}

// ---------------------------------------------------------------- the composer

const composer = $("prompt");

function readImageFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve({ name: file.name || "image.png", dataUrl: reader.result });
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function makeChip(imageId) {
  const image = state.images.get(imageId);
  const chip = document.createElement("span");
  chip.className = "chip";
  chip.contentEditable = "false";
  chip.draggable = true;
  chip.dataset.image = imageId;
  const number = document.createElement("b");
  const thumb = document.createElement("img");
  thumb.src = image.dataUrl;
  thumb.alt = "";
  chip.append(number, thumb);
  return chip;
}

function chips() { return [...composer.querySelectorAll(".chip")]; }

/** The caret in the composer now (a click on "Add image" keeps it), else where it last was, else the end. */
function caretRange() {
  const selection = window.getSelection();
  if (selection.rangeCount && composer.contains(selection.getRangeAt(0).startContainer)) return selection.getRangeAt(0).cloneRange();
  if (state.savedRange && composer.contains(state.savedRange.startContainer)) return state.savedRange.cloneRange();
  const range = document.createRange();
  range.selectNodeContents(composer);
  range.collapse(false);
  return range;
}

/** Inserts chips for the files at the range (the caret by default) and leaves the caret after the last one. */
async function addImages(files, range = caretRange()) {
  const accepted = [...files].filter(f => /^image\//.test(f.type));
  if (!accepted.length) return;
  clearFieldError("prompt");
  const max = state.model ? state.model.max_images : Infinity;
  if (chips().length + accepted.length > max) {
    showFieldError("prompt", `This model takes at most ${max} images.`);
    return;
  }
  range.deleteContents();
  for (const file of accepted) {
    const id = String(state.nextImageId++);
    state.images.set(id, await readImageFile(file));
    const chip = makeChip(id);
    range.insertNode(chip);
    const space = document.createTextNode(" ");
    chip.after(space);
    range.setStart(space, 1);
    range.collapse(true);
  }
  const selection = window.getSelection();
  composer.focus();
  selection.removeAllRanges();
  selection.addRange(range);
  state.savedRange = range.cloneRange();
  composerChanged();
}

/** Numbers the chips in prompt order and mirrors them in the tray (keyboard controls for order and removal). */
function composerChanged() {
  const list = chips();
  const used = new Set(list.map(c => c.dataset.image));
  for (const id of [...state.images.keys()]) if (!used.has(id)) state.images.delete(id);
  composer.classList.toggle("empty", composer.textContent.trim() === "" && list.length === 0);
  const tray = $("image-tray");
  tray.replaceChildren(...list.map((chip, i) => {
    const image = state.images.get(chip.dataset.image);
    chip.querySelector("b").textContent = i + 1;
    chip.title = `image ${i + 1}: ${image.name}`;
    chip.setAttribute("aria-label", `image ${i + 1}`);
    const li = document.createElement("li");
    li.className = "tray-item";
    li.draggable = true;
    li.dataset.index = i;
    li.innerHTML = `<b></b><img alt=""><span class="name"></span>
      <button type="button" data-move="-1">↑</button><button type="button" data-move="1">↓</button><button type="button" data-remove>✕</button>`;
    li.querySelector("b").textContent = i + 1;
    li.querySelector("img").src = image.dataUrl;
    li.querySelector(".name").textContent = image.name;
    const [up, down, remove] = li.querySelectorAll("button");
    up.setAttribute("aria-label", `Move image ${i + 1} earlier`);
    up.disabled = i === 0;
    down.setAttribute("aria-label", `Move image ${i + 1} later`);
    down.disabled = i === list.length - 1;
    remove.setAttribute("aria-label", `Remove image ${i + 1}`);
    return li;
  }));
}

/** Swaps the images of chips i and j: the text keeps its <i> places, the images change order. */
function swapImages(i, j) {
  const list = chips();
  if (!list[i] || !list[j] || i === j) return;
  const a = list[i].dataset.image, b = list[j].dataset.image;
  list[i].replaceWith(makeChip(b));
  list[j].replaceWith(makeChip(a));
  composerChanged();
}

/** Moves image i to position j, shifting the images between (the order a drag in the tray means). */
function moveImage(i, j) {
  const ids = chips().map(c => c.dataset.image);
  if (i === j || i < 0 || j < 0 || i >= ids.length || j >= ids.length) return;
  const [moved] = ids.splice(i, 1);
  ids.splice(j, 0, moved);
  chips().forEach((chip, k) => chip.replaceWith(makeChip(ids[k])));
  composerChanged();
}

function removeImage(i) {
  const chip = chips()[i];
  if (!chip) return;
  if (chip.nextSibling && chip.nextSibling.nodeType === Node.TEXT_NODE && chip.nextSibling.data === " ") chip.nextSibling.remove();
  chip.remove();
  composerChanged();
}

/** The prompt as the API takes it: text with one <i> per chip, and the images in the same order. */
function readComposer() {
  let prompt = "";
  const images = [];
  const walk = node => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) prompt += child.data;
      else if (child.classList && child.classList.contains("chip")) {
        prompt += "<i>";
        images.push(state.images.get(child.dataset.image));
      } else if (child.nodeName === "BR") prompt += " ";
      else walk(child);
    }
  };
  walk(composer);
  return { prompt: prompt.replace(/\u00a0/g, " ").replace(/\s+/g, " ").trim(), images };
}

/** Fills the composer from a prompt and its images (history re-run): each <i> gets the next image. */
function writeComposer(prompt, images) {
  composer.replaceChildren();
  state.images.clear();
  const parts = prompt.split("<i>");
  parts.forEach((text, k) => {
    if (text) composer.append(document.createTextNode(text));
    if (k === parts.length - 1) return;
    const image = images[k];
    if (!image) { composer.append(document.createTextNode("<i>")); return; }
    const id = String(state.nextImageId++);
    state.images.set(id, image);
    composer.append(makeChip(id));
  });
  state.savedRange = null;
  composerChanged();
}

function chipFromEvent(e) {
  const el = e.target instanceof Element ? e.target.closest(".chip") : null;
  return el && composer.contains(el) ? el : null;
}

function rangeAt(x, y) {
  if (document.caretRangeFromPoint) return document.caretRangeFromPoint(x, y);
  const p = document.caretPositionFromPoint && document.caretPositionFromPoint(x, y);
  if (!p) return null;
  const range = document.createRange();
  range.setStart(p.offsetNode, p.offset);
  return range;
}

function wireComposer() {
  const saveCaret = () => {
    const selection = window.getSelection();
    if (selection.rangeCount && composer.contains(selection.getRangeAt(0).startContainer))
      state.savedRange = selection.getRangeAt(0).cloneRange();
  };
  document.addEventListener("selectionchange", saveCaret);
  composer.addEventListener("input", () => { saveCaret(); clearFieldError("prompt"); composerChanged(); });
  composer.addEventListener("keydown", e => {
    if (e.key === "Enter") {
      e.preventDefault(); // one line: Enter alone does nothing, Ctrl/Cmd+Enter generates
      if (e.ctrlKey || e.metaKey) $("form").requestSubmit();
    }
  });
  composer.addEventListener("paste", e => {
    e.preventDefault();
    const files = [...e.clipboardData.files];
    if (files.length) { addImages(files); return; }
    // Plain text only: pasted markup would become invisible structure in the prompt.
    document.execCommand("insertText", false, e.clipboardData.getData("text/plain").replace(/\s+/g, " "));
  });

  let draggedChip = null;
  composer.addEventListener("dragstart", e => {
    draggedChip = chipFromEvent(e);
    if (draggedChip) {
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", "<i>");
    }
  });
  composer.addEventListener("dragend", () => { draggedChip = null; });
  composer.addEventListener("dragover", e => { e.preventDefault(); });
  composer.addEventListener("drop", e => {
    e.preventDefault();
    e.stopPropagation();
    const target = chipFromEvent(e);
    if (draggedChip) {
      const list = chips();
      if (target && target !== draggedChip) swapImages(list.indexOf(draggedChip), list.indexOf(target));
      else if (!target) {
        // Dropped into the text: the <i> moves there, and with it the image's place in the order.
        const range = rangeAt(e.clientX, e.clientY);
        if (range && composer.contains(range.startContainer)) {
          range.insertNode(draggedChip);
          composerChanged();
        }
      }
      draggedChip = null;
      return;
    }
    if (e.dataTransfer.files.length) {
      const range = rangeAt(e.clientX, e.clientY);
      addImages(e.dataTransfer.files, range && composer.contains(range.startContainer) ? range : undefined);
    }
  });
  // Files dropped anywhere else on the page join the prompt at the caret instead of replacing the page.
  window.addEventListener("dragover", e => e.preventDefault());
  window.addEventListener("drop", e => {
    e.preventDefault();
    if (e.dataTransfer.files.length && state.model && state.model.accepts_images) addImages(e.dataTransfer.files);
  });

  $("add-image").addEventListener("click", () => $("image-file").click());
  $("image-file").addEventListener("change", async e => {
    await addImages(e.target.files);
    e.target.value = "";
  });

  const tray = $("image-tray");
  tray.addEventListener("click", e => {
    const button = e.target.closest("button");
    if (!button) return;
    const i = Number(button.closest("li").dataset.index);
    if (button.dataset.remove !== undefined) removeImage(i);
    else {
      const j = i + Number(button.dataset.move);
      swapImages(i, j);
      // Keep the keyboard user on the same control of the moved image.
      const moved = tray.children[j];
      if (moved) moved.querySelector(`[data-move="${button.dataset.move}"]`)?.focus();
    }
  });
  let draggedItem = null;
  tray.addEventListener("dragstart", e => {
    draggedItem = e.target.closest("li");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", "");
  });
  tray.addEventListener("dragover", e => e.preventDefault());
  tray.addEventListener("drop", e => {
    e.preventDefault();
    e.stopPropagation();
    const target = e.target.closest("li");
    if (draggedItem && target) moveImage(Number(draggedItem.dataset.index), Number(target.dataset.index));
    draggedItem = null;
  });
}

// ---------------------------------------------------------------- field errors

// The problem+json "field" names the part of the request at fault; it is shown beside the control for it.
function errorTarget(field) {
  if (!field) return "general";
  const base = field.replace(/\[.*$/, "").replace(/\..*$/, "");
  if (base === "images" || base === "prompt") return "prompt";
  if (base === "Authorization") return "authorization";
  if (["negative_prompt", "seed", "loras", "controlnets", ...SETTINGS].includes(base)) return base;
  return "general";
}

function controlFor(target) {
  return { prompt: composer, authorization: $("api-key") }[target] ?? $(target);
}

function showFieldError(field, message) {
  const target = errorTarget(field);
  const el = $("err-" + target);
  el.textContent = message || "";
  const control = controlFor(target);
  if (control) control.setAttribute("aria-invalid", message ? "true" : "false");
  // "images[1]": mark that chip as well.
  const index = /^images\[(\d+)\]/.exec(field || "");
  chips().forEach((chip, i) => chip.classList.toggle("invalid", !!message && index !== null && Number(index[1]) === i));
  if (message && target === "authorization") $("key-box").hidden = false;
}

function clearFieldError(field) { showFieldError(field, ""); }

function clearAllErrors() {
  document.querySelectorAll(".field-error").forEach(el => { el.textContent = ""; });
  document.querySelectorAll("[aria-invalid=true]").forEach(el => el.setAttribute("aria-invalid", "false"));
  chips().forEach(c => c.classList.remove("invalid"));
}

function showProblem(problem) {
  let message = problem.detail || problem.title || "The request failed.";
  if (problem.status === 429 || problem.status === 503) message += " Try again in a moment.";
  showFieldError(problem.field, message);
  const control = controlFor(errorTarget(problem.field));
  if (control) control.focus();
}

// ---------------------------------------------------------------- requests

/** The request the form describes: the native JSON body (images as data URLs). */
function buildRequest() {
  const { prompt, images } = readComposer();
  const body = { prompt };
  const negative = $("negative_prompt").value.trim();
  if (negative) body.negative_prompt = negative;
  for (const id of SETTINGS) {
    const raw = $(id).value.trim();
    if (raw === "") continue;
    body[id] = id === "scheduler" ? raw : Number(raw);
  }
  if (!$("seed-random").checked && $("seed").value.trim() !== "") body.seed = Number($("seed").value);
  if (images.length) body.images = images.map(i => i.dataUrl);
  const loras = [...document.querySelectorAll("[data-lora]:checked")].map(box => ({
    name: state.loras[Number(box.dataset.lora)],
    scale: Number(document.querySelector(`[data-lora-scale="${box.dataset.lora}"]`).value || 1),
  }));
  if (loras.length) body.loras = loras;
  if ($("controlnet").value && state.controlImage) {
    body.controlnets = [{
      name: $("controlnet").value, image: state.controlImage.dataUrl,
      preprocessor: $("preprocessor").value, conditioning_scale: Number($("control-scale").value || 1),
    }];
  }
  return { body, images };
}

function setRunning(running) {
  $("generate").disabled = running;
  $("cancel").disabled = !running;
  $("progress").hidden = !running;
}

function setStatus(text) { $("status").textContent = text; }

function showJob(id) {
  state.job.id = id;
  $("job").textContent = id ? `job ${id}` : "";
}

async function generate(request) {
  clearAllErrors();
  $("results").replaceChildren();
  $("preview-box").hidden = true;
  $("progress").value = 0;
  $("job").textContent = "";
  setStatus("Sending…");
  setRunning(true);
  const controller = new AbortController();
  state.job = { id: null, controller };
  const entry = { time: new Date().toISOString(), request: request.body, inputs: request.images, results: [], finished: false };
  try {
    const response = await fetch(api("v1/generations"), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream", ...authHeaders() },
      body: JSON.stringify(request.body),
      signal: controller.signal,
    });
    if (!response.ok) {
      const problem = await readProblem(response);
      showProblem(problem);
      setStatus(`Refused: ${problem.title || response.status}.`);
      return;
    }
    showJob(response.headers.get("x-job-id"));
    await readEvents(response.body, (name, data) => onEvent(name, data, entry));
    if (!entry.finished) setStatus("The event stream ended before the job finished; see the job's state in the API.");
  } catch (e) {
    if (e.name === "AbortError") setStatus("Cancelled.");
    else {
      showFieldError(null, `The service could not be reached (${e.message}).`);
      setStatus("Failed.");
    }
  } finally {
    state.job = null;
    setRunning(false);
    if (entry.results.length) await saveHistory(entry);
  }
}

/** Server-Sent Events from a fetch body: "event:" and "data:" lines, blank line ends an event, ":" comments. */
async function readEvents(stream, onEvent) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    }
  }
}

function onEvent(name, data, entry) {
  switch (name) {
    case "queued":
      showJob(data.id);
      setStatus(data.position > 0 ? `Queued: position ${data.position}.` : "Queued.");
      break;
    case "started":
      setStatus(`Running on ${data.device} (waited ${data.queue_seconds.toFixed(1)} s).`);
      break;
    case "progress":
      $("progress").max = data.total;
      $("progress").value = data.step;
      setStatus(`Step ${data.step} of ${data.total}.`);
      break;
    case "preview":
      $("preview").src = "data:image/png;base64," + data.png_base64;
      $("preview-caption").textContent = `Preview at step ${data.step}`;
      $("preview-box").hidden = false;
      break;
    case "image":
      $("preview-box").hidden = true;
      entry.results.push({ seed: data.seed, png: "data:image/png;base64," + data.png_base64 });
      state.lastSeed = data.seed;
      $("seed-reuse").disabled = false;
      $("results").append(resultCard(entry, entry.results.length - 1));
      break;
    case "completed":
      entry.finished = true;
      setStatus(`Done in ${(data.timings.queue + data.timings.inference).toFixed(1)} s ` +
        `(queue ${data.timings.queue.toFixed(1)} s, inference ${data.timings.inference.toFixed(1)} s).`);
      break;
    case "error":
      entry.finished = true;
      if (data.type === "cancelled") {
        const p = $("progress");
        setStatus(p.value > 0 ? `Cancelled at step ${p.value} of ${p.max}.` : "Cancelled.");
      } else {
        setStatus("Failed.");
        showFieldError(null, `${data.type}: ${data.message}`);
      }
      break;
    default:
      // A control map (ControlNet) or any image-carrying event this page does not know yet: show it labelled.
      if (data && data.png_base64) $("results").append(figure(`data:image/png;base64,${data.png_base64}`, name.replace(/_/g, " ")));
  }
}

async function cancel() {
  const job = state.job;
  if (!job) return;
  if (!job.id) { job.controller.abort(); return; }
  $("cancel").disabled = true;
  setStatus("Cancelling…");
  try {
    const response = await fetch(api(`v1/jobs/${encodeURIComponent(job.id)}/cancel`), { method: "POST", headers: authHeaders() });
    if (!response.ok) showProblem(await readProblem(response));
  } catch (e) {
    showFieldError(null, `The cancel request failed (${e.message}).`);
  }
}

// ---------------------------------------------------------------- results

function figure(src, caption) {
  const fig = document.createElement("figure");
  fig.className = "result";
  const img = document.createElement("img");
  img.src = src;
  img.alt = caption;
  const cap = document.createElement("figcaption");
  cap.textContent = caption;
  fig.append(img, cap);
  return fig;
}

function resultCard(entry, index) {
  const result = entry.results[index];
  const fig = figure(result.png, `seed ${result.seed}`);
  fig.querySelector("figcaption").className = "seed";
  const actions = document.createElement("div");
  actions.className = "result-actions";
  const reuse = button("Reuse seed", () => useSeed(result.seed));
  const curl = button("Copy as curl", () => showCurl(entry.request, entry.inputs, result.seed));
  const download = document.createElement("a");
  download.href = result.png;
  download.download = `kosmosg-${result.seed}.png`;
  download.textContent = "Download";
  actions.append(reuse, curl, download);
  fig.append(actions);
  return fig;
}

function button(text, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.addEventListener("click", onClick);
  return b;
}

function useSeed(seed) {
  $("seed-random").checked = false;
  $("seed").disabled = false;
  $("seed").value = seed;
}

// ---------------------------------------------------------------- copy as curl

const shellQuote = s => "'" + String(s).replace(/'/g, "'\\''") + "'";

/** The request as a curl command: multipart with the image files by name, or JSON when it has LoRA/ControlNet parts. */
function curlCommand(body, inputs, seed) {
  const request = { ...body, seed, n: 1 };
  const url = api("v1/generations");
  const lines = [`curl -s ${shellQuote(url)} -H 'Accept: image/png' -o ${shellQuote(`kosmosg-${seed}.png`)}`];
  if (localStorage.getItem(API_KEY_KEY)) lines.push(`-H "Authorization: Bearer $KOSMOSG_API_KEY"`);
  if (request.loras || request.controlnets) {
    lines.push(`-H 'Content-Type: application/json' --data-binary ${shellQuote(JSON.stringify(request))}`);
    return lines.join(" \\\n  ");
  }
  for (const [key, value] of Object.entries(request)) {
    // Previews exist only in the event stream; this command asks for the PNG.
    if (key === "images" || key === "preview_every") continue;
    lines.push(key === "prompt" || key === "negative_prompt"
      ? `--form-string ${shellQuote(`${key}=${value}`)}`
      : `-F ${shellQuote(`${key}=${value}`)}`);
  }
  (inputs || []).forEach((image, i) => {
    // curl's -F treats ; , and " in a file name specially: such names become image-N.
    const name = /[;,"]/.test(image.name) ? `image-${i + 1}.png` : image.name;
    lines.push(`-F ${shellQuote(`images=@${name}`)}`);
  });
  return lines.join(" \\\n  ");
}

function showCurl(body, inputs, seed) {
  const dialog = $("curl-dialog");
  $("curl-text").value = curlCommand(body, inputs, seed);
  $("curl-text").scrollTop = 0;
  $("curl-status").textContent = "";
  dialog.showModal();
  $("curl-copy").focus();
}

async function copyCurl() {
  const text = $("curl-text");
  try {
    await navigator.clipboard.writeText(text.value);
    $("curl-status").textContent = "Copied to the clipboard.";
  } catch {
    // Plain http on another host is not a secure context: no clipboard API; leave it selected to copy by hand.
    text.focus();
    text.select();
    $("curl-status").textContent = "Selected: press Ctrl+C to copy.";
  }
}

// ---------------------------------------------------------------- history

function loadHistory() {
  try { return JSON.parse(localStorage.getItem(HISTORY_KEY)) || []; } catch { return []; }
}

function storeHistory(entries) {
  // Oldest entries go first when localStorage is full.
  while (entries.length) {
    try {
      localStorage.setItem(HISTORY_KEY, JSON.stringify(entries));
      return;
    } catch { entries.pop(); }
  }
  localStorage.removeItem(HISTORY_KEY);
}

function thumbnail(src, size = 96) {
  return new Promise(resolve => {
    const img = new Image();
    img.onload = () => {
      const scale = Math.min(1, size / Math.max(img.width, img.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      resolve(canvas.toDataURL("image/jpeg", 0.85));
    };
    img.onerror = () => resolve("");
    img.src = src;
  });
}

async function saveHistory(entry) {
  const inputChars = entry.inputs.reduce((sum, i) => sum + i.dataUrl.length, 0);
  const stored = {
    time: entry.time,
    // The request without the image bytes; the inputs are kept beside it when they are small enough to re-run.
    request: { ...entry.request, images: undefined, controlnets: undefined },
    inputs: inputChars <= HISTORY_INPUT_CHARS ? entry.inputs : null,
    inputNames: entry.inputs.map(i => i.name),
    results: await Promise.all(entry.results.map(async r => ({ seed: r.seed, thumb: await thumbnail(r.png) }))),
  };
  const entries = loadHistory();
  entries.unshift(stored);
  storeHistory(entries.slice(0, HISTORY_MAX));
  renderHistory();
}

function renderHistory() {
  const entries = loadHistory();
  $("history-empty").hidden = entries.length > 0;
  $("history").replaceChildren(...entries.map((entry, k) => {
    const li = document.createElement("li");
    li.className = "history-item";
    const thumbs = document.createElement("div");
    thumbs.className = "thumbs";
    for (const r of entry.results) {
      const img = document.createElement("img");
      img.src = r.thumb;
      img.alt = `seed ${r.seed}`;
      thumbs.append(img);
    }
    const text = document.createElement("div");
    text.className = "history-text";
    const prompt = document.createElement("p");
    prompt.className = "history-prompt";
    prompt.textContent = entry.request.prompt;
    const params = document.createElement("p");
    params.className = "help";
    const r = entry.request;
    params.textContent = [`${r.steps} steps`, `guidance ${r.guidance_scale}`, r.scheduler, `${r.width}x${r.height}`,
      `seed ${entry.results.map(x => x.seed).join(", ")}`, entry.inputs ? "" : `images not kept: ${entry.inputNames.join(", ")}`]
      .filter(Boolean).join(" · ");
    const actions = document.createElement("div");
    actions.className = "result-actions";
    const rerun = button("Re-run", () => rerunEntry(entry, true));
    rerun.setAttribute("aria-label", `Re-run: ${entry.request.prompt}`);
    const edit = button("Edit", () => rerunEntry(entry, false));
    edit.setAttribute("aria-label", `Load into the form: ${entry.request.prompt}`);
    const curl = button("Copy as curl", () => showCurl(entry.request, entry.inputs || entry.inputNames.map(name => ({ name })), entry.results[0].seed));
    actions.append(rerun, edit, curl);
    if (!entry.inputs && entry.inputNames.length) rerun.disabled = true;
    text.append(prompt, params, actions);
    li.append(thumbs, text);
    li.dataset.index = k;
    return li;
  }));
}

/** Loads an entry into the form with its first seed; with run, generates it again (the same images come back). */
function rerunEntry(entry, run) {
  const r = entry.request;
  writeComposer(r.prompt, entry.inputs || []);
  $("negative_prompt").value = r.negative_prompt || "";
  for (const id of SETTINGS) if (r[id] !== undefined) $(id).value = r[id];
  useSeed(entry.results[0].seed);
  $("seed-reuse").disabled = false;
  if (run) $("form").requestSubmit();
  else composer.focus();
}

// ---------------------------------------------------------------- wiring

function wireForm() {
  $("form").addEventListener("submit", e => {
    e.preventDefault();
    if (state.job) return;
    generate(buildRequest());
  });
  $("cancel").addEventListener("click", cancel);
  $("seed-random").addEventListener("change", e => {
    $("seed").disabled = e.target.checked;
    if (!e.target.checked) $("seed").focus();
  });
  $("seed-reuse").addEventListener("click", () => { if (state.lastSeed !== null) useSeed(state.lastSeed); });
  $("reset-settings").addEventListener("click", () => { if (state.model) applyDefaults(state.model.defaults); });
  for (const id of ["negative_prompt", "seed", ...SETTINGS]) $(id).addEventListener("input", () => clearFieldError(id));
  $("use-key").addEventListener("click", () => {
    const key = $("api-key").value.trim();
    if (key) localStorage.setItem(API_KEY_KEY, key); else localStorage.removeItem(API_KEY_KEY);
    loadModel();
  });
  $("api-key").addEventListener("keydown", e => { if (e.key === "Enter") { e.preventDefault(); $("use-key").click(); } });
  $("api-key").value = localStorage.getItem(API_KEY_KEY) || "";
  $("clear-history").addEventListener("click", () => { localStorage.removeItem(HISTORY_KEY); renderHistory(); });
  $("curl-copy").addEventListener("click", copyCurl);
  $("curl-close").addEventListener("click", () => $("curl-dialog").close());
  $("control-image").addEventListener("change", async e => {
    const file = e.target.files[0];
    state.controlImage = file ? await readImageFile(file) : null;
    $("control-preview").hidden = !state.controlImage;
    if (state.controlImage) $("control-preview").src = state.controlImage.dataUrl;
  });
}

wireComposer();
wireForm();
composerChanged();
renderHistory();
loadModel();
