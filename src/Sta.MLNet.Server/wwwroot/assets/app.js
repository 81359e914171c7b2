// The StA deepfake check page: upload a video, follow its job, show the verdict, the per-clip timeline and the heat maps.
// Plain browser APIs only; everything comes from this server.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { apiKey: sessionStorage.getItem("sta-api-key") || "", info: null, objectUrls: [] };

function headers() {
  return state.apiKey ? { "X-Api-Key": state.apiKey } : {};
}

async function problemText(response) {
  try {
    const problem = await response.json();
    return problem.detail || problem.title || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
}

function setStatus(text, progress) {
  $("status").textContent = text;
  if (progress === undefined) return;
  $("progress-row").hidden = false;
  $("progress").value = progress;
}

async function loadInfo() {
  const response = await fetch("/api/v1/info", { headers: headers() });
  if (response.status === 401) {
    $("key-row").hidden = false;
    $("model").textContent = "An API key is needed.";
    return false;
  }
  if (!response.ok) {
    showError(await problemText(response));
    return false;
  }
  state.info = await response.json();
  $("key-row").hidden = true;
  const mb = (state.info.max_upload_bytes / (1024 * 1024)).toFixed(0);
  $("model").textContent = `Scoring with ${state.info.model}; clips of ${state.info.frames_per_clip} frames at ${state.info.clip_size} px.`;
  $("model").dataset.ready = "true";
  $("limit").textContent = `Up to ${mb} MiB. The video stays on this server only while it is analysed.`;
  return true;
}

async function submit(file) {
  $("error").hidden = true;
  $("result").hidden = true;
  releaseImages();
  if (!state.info && !(await loadInfo())) return;
  const form = new FormData();
  form.append("video", file, file.name);
  setStatus(`Uploading ${file.name}…`, 0);
  let response;
  try {
    response = await fetch("/api/v1/jobs", { method: "POST", body: form, headers: headers() });
  } catch (error) {
    setStatus("");
    showError(`The upload failed: ${error.message}`);
    return;
  }
  if (response.status === 401) {
    $("key-row").hidden = false;
    setStatus("");
    showError("This service needs an API key.");
    return;
  }
  if (!response.ok) {
    const retry = response.headers.get("Retry-After");
    setStatus("");
    showError((await problemText(response)) + (retry ? ` (about ${retry} s)` : ""));
    return;
  }
  const job = await response.json();
  // The address names the job, so that a reload (or a shared link, while the result is kept) shows it again.
  history.replaceState(null, "", `?job=${encodeURIComponent(job.id)}`);
  await follow(job);
}

async function resume(id) {
  const response = await fetch(`/api/v1/jobs/${encodeURIComponent(id)}`, { headers: headers() });
  if (!response.ok) {
    showError(await problemText(response));
    return;
  }
  const job = await response.json();
  if (!finished(job)) await follow(job);
}

// Follows the job's server-sent events (read with fetch so that the API key can go in a header); polls if the stream breaks.
async function follow(job) {
  showProgress(job);
  try {
    const response = await fetch(`/api/v1/jobs/${job.id}/events`, { headers: headers() });
    if (!response.ok || !response.body) throw new Error(await problemText(response));
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = message.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (!data) continue;
        const current = JSON.parse(data);
        if (finished(current)) return;
        showProgress(current);
      }
    }
  } catch {
    // Fall through to polling.
  }
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const response = await fetch(`/api/v1/jobs/${job.id}`, { headers: headers() });
    if (!response.ok) {
      showError(await problemText(response));
      return;
    }
    const current = await response.json();
    if (finished(current)) return;
    showProgress(current);
  }
}

function showProgress(job) {
  const what = job.status === "queued" ? "Waiting for a free worker" : "Analysing";
  setStatus(`${what}: ${job.file_name} (${Math.round(job.progress * 100)} %)`, job.progress);
}

function finished(job) {
  if (job.status === "deleted") {
    setStatus("");
    showError("The job was deleted.");
    return true;
  }
  if (job.status !== "done" && job.status !== "failed") return false;
  setStatus(job.status === "done" ? `Done: ${job.file_name}` : `Could not score ${job.file_name}`, 1);
  if (job.status === "failed") showError(job.error ? job.error.message : "The video could not be analysed.");
  if (job.result) render(job.result);
  return true;
}

function releaseImages() {
  for (const url of state.objectUrls) URL.revokeObjectURL(url);
  state.objectUrls = [];
}

// Images come through fetch too, for the same API key header.
async function loadImage(img, url) {
  const response = await fetch(url, { headers: headers() });
  if (!response.ok) {
    img.alt += " (not available)";
    return;
  }
  const objectUrl = URL.createObjectURL(await response.blob());
  state.objectUrls.push(objectUrl);
  img.src = objectUrl;
}

function percent(p) {
  return `${(p * 100).toFixed(1)} %`;
}

function render(result) {
  const threshold = state.info ? state.info.threshold : 0.5;
  const verdict = $("verdict");
  if (result.probability === null) {
    verdict.textContent = "No verdict";
    verdict.className = "verdict unknown";
    $("probability").textContent = result.error || "The video could not be scored.";
  } else {
    const fake = result.prediction === "fake";
    verdict.textContent = fake ? "Likely fake" : "Likely real";
    verdict.className = `verdict ${fake ? "fake" : "real"}`;
    $("probability").textContent = `P(fake) ${percent(result.probability)} — mean of ${result.clips_scored} clip(s); called fake above ${percent(threshold)}.`;
  }
  const faces = result.faces;
  $("details").textContent = `${result.frame_count ?? "?"} frames at ${result.fps ? result.fps.toFixed(1) : "?"} fps; a face in ${faces.frames_with_face} of ${faces.frames_examined} frames examined; analysed in ${(result.timings_ms.total / 1000).toFixed(1)} s.`;
  const evidence = new Map((result.evidence ? result.evidence.clips : []).map((c) => [c.index, c]));
  renderTimeline(result.clips, threshold, result.fps);
  renderHeatmaps(result.clips, evidence);
  renderClips(result.clips, evidence);
  $("result").hidden = false;
  verdict.focus();
}

function frameRange(clip) {
  return clip.frames.length ? `frames ${clip.frames[0]}–${clip.frames[clip.frames.length - 1]}` : "no frames";
}

function renderTimeline(clips, threshold, fps) {
  const svgNs = "http://www.w3.org/2000/svg";
  const width = 900, height = 210, left = 40, bottom = 28, top = 22;
  const plot = height - bottom - top;
  const step = (width - left - 10) / Math.max(1, clips.length);
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "presentation");
  const add = (name, attributes, parent = svg) => {
    const node = document.createElementNS(svgNs, name);
    for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
    parent.appendChild(node);
    return node;
  };
  const y = (p) => top + plot * (1 - p);
  for (const tick of [0, 0.5, 1]) {
    add("line", { x1: left, x2: width - 10, y1: y(tick), y2: y(tick), class: "axis" });
    add("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end" }).textContent = tick.toFixed(1);
  }
  clips.forEach((clip, i) => {
    const x = left + i * step;
    const p = clip.probability;
    const bar = add("g", {
      class: `clip-bar${p === null ? " skipped" : p > threshold ? " above" : ""}`,
      tabindex: i === 0 ? "0" : "-1",
      role: "button",
      "data-clip": clip.index,
      "aria-label": `Clip ${clip.index}, ${frameRange(clip)}: ${p === null ? `not scored (${clip.skipped})` : `P(fake) ${percent(p)}`}`,
    });
    add("rect", { class: "hit", x: x + 1, y: top, width: Math.max(2, step - 2), height: plot, rx: 3 }, bar);
    // At least 2 units tall, so that a clip near 0 still shows where it is.
    const h = p === null ? plot : Math.max(2, plot * p);
    add("rect", { class: "bar", x: x + step * 0.15, y: top + plot - h, width: Math.max(2, step * 0.7), height: h, rx: 2 }, bar);
    if (p !== null && clips.length <= 20)
      add("text", { x: x + step / 2, y: top + plot - h - 4, "text-anchor": "middle", class: "value" }, bar).textContent = percent(p);
    // Labelled with the clip's start in the video when the frame rate is known, else its number.
    if (clips.length <= 20 || i % Math.ceil(clips.length / 20) === 0)
      add("text", { x: x + step / 2, y: height - 10, "text-anchor": "middle" }).textContent =
        fps && clip.frames.length ? `${(clip.frames[0] / fps).toFixed(1)} s` : `clip ${clip.index}`;
    bar.addEventListener("click", () => select(clip.index));
    bar.addEventListener("keydown", (event) => onBarKey(event, i));
  });
  add("line", { x1: left, x2: width - 10, y1: y(threshold), y2: y(threshold), class: "threshold" });
  const box = $("timeline");
  box.replaceChildren(svg);
}

function onBarKey(event, i) {
  const bars = [...document.querySelectorAll("#timeline .clip-bar")];
  let next = i;
  if (event.key === "ArrowRight" || event.key === "ArrowDown") next = Math.min(bars.length - 1, i + 1);
  else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = Math.max(0, i - 1);
  else if (event.key === "Home") next = 0;
  else if (event.key === "End") next = bars.length - 1;
  else if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    select(Number(bars[i].dataset.clip));
    return;
  } else return;
  event.preventDefault();
  bars.forEach((b, k) => b.setAttribute("tabindex", k === next ? "0" : "-1"));
  bars[next].focus();
  select(Number(bars[next].dataset.clip), false);
}

function select(index, scroll = true) {
  for (const bar of document.querySelectorAll("#timeline .clip-bar")) bar.classList.toggle("selected", Number(bar.dataset.clip) === index);
  for (const item of document.querySelectorAll("#clips li")) item.classList.toggle("selected", Number(item.dataset.clip) === index);
  const item = document.querySelector(`#clips li[data-clip="${index}"]`);
  if (item && scroll) item.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

function renderHeatmaps(clips, evidence) {
  const box = $("heatmaps");
  box.replaceChildren();
  const explained = clips.filter((c) => evidence.get(c.index) && evidence.get(c.index).heatmap_png)
    .sort((a, b) => b.probability - a.probability);
  if (!explained.length) {
    const none = document.createElement("p");
    none.className = "muted";
    none.textContent = "No clip was scored, so there is nothing to explain.";
    box.appendChild(none);
    return;
  }
  for (const clip of explained) {
    const item = evidence.get(clip.index);
    const figure = document.createElement("figure");
    figure.className = "heat";
    const caption = document.createElement("figcaption");
    caption.textContent = `Clip ${clip.index} (${frameRange(clip)}): P(fake) ${percent(clip.probability)}`;
    figure.appendChild(caption);
    for (const [url, alt] of [[item.faces_png, "aligned faces"], [item.heatmap_png, "heat map of the evidence for fake over the faces"]]) {
      const img = document.createElement("img");
      img.className = "strip";
      img.alt = `Clip ${clip.index}: ${alt}`;
      figure.appendChild(img);
      loadImage(img, url);
    }
    box.appendChild(figure);
  }
}

function renderClips(clips, evidence) {
  const list = $("clips");
  list.replaceChildren();
  for (const clip of clips) {
    const item = document.createElement("li");
    item.dataset.clip = clip.index;
    const caption = document.createElement("div");
    caption.className = "caption";
    caption.textContent = clip.probability === null
      ? `Clip ${clip.index} (${frameRange(clip)}): not scored — ${clip.skipped}`
      : `Clip ${clip.index} (${frameRange(clip)}): P(fake) ${percent(clip.probability)}, a face in ${clip.frames_with_face} of ${clip.frames.length} frames`;
    if (clip.probability === null) caption.classList.add("skipped");
    item.appendChild(caption);
    const shown = evidence.get(clip.index);
    if (shown) {
      const img = document.createElement("img");
      img.className = "strip";
      img.alt = `Clip ${clip.index}: the aligned faces the network saw`;
      item.appendChild(img);
      loadImage(img, shown.faces_png);
    }
    list.appendChild(item);
  }
}

function setUp() {
  const input = $("file");
  const drop = $("drop");
  input.addEventListener("change", () => {
    if (input.files.length) submit(input.files[0]);
    input.value = "";
  });
  for (const name of ["dragenter", "dragover"])
    drop.addEventListener(name, (event) => { event.preventDefault(); drop.classList.add("dragging"); });
  for (const name of ["dragleave", "drop"])
    drop.addEventListener(name, () => drop.classList.remove("dragging"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length) submit(event.dataTransfer.files[0]);
  });
  // The label opens the file picker from the keyboard too.
  drop.querySelector("label").addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); input.click(); }
  });
  $("key-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    state.apiKey = $("api-key").value.trim();
    sessionStorage.setItem("sta-api-key", state.apiKey);
    $("error").hidden = true;
    if (await loadInfo()) resumeFromAddress();
  });
  loadInfo().then((ready) => { if (ready) resumeFromAddress(); });
}

function resumeFromAddress() {
  const id = new URLSearchParams(location.search).get("job");
  if (id) resume(id);
}

document.addEventListener("DOMContentLoaded", setUp);
