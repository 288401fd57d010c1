// The team's welcome or question video: record it with the candidate's recorder (the same
// module, the same tus upload, a local copy of every chunk until the server has it), and
// follow its processing until it is ready or failed.
import { ChunkStore, csrfToken, environmentProblems, formatClock, openStream, recordTake, resumePending, stopStream } from "../candidate/recorder.js";

const readJSON = (id) => JSON.parse(document.getElementById(id).textContent);
const config = readJSON("video-prompt-config");
const strings = readJSON("video-prompt-strings");
const $ = (id) => document.getElementById(id);
const fill = (template, values) => String(template).replace(/%\((\w+)\)s/g, (m, name) => (name in values ? values[name] : m));

const ui = {
  section: $("video-prompt-recorder"),
  preview: $("prompt-preview"),
  timer: $("prompt-timer"),
  status: $("prompt-status"),
  camera: $("prompt-camera"),
  start: $("prompt-start"),
  stop: $("prompt-stop"),
};

let stream = null;
let controller = null;
let ticker = null;
let store = null;

function say(text) {
  ui.status.textContent = text;
}

function followProcessing() {
  // The processing state partial says where it stands; reload once it has settled, so
  // that the preview (or the reason it failed) shows.
  const box = document.querySelector("#video-prompt-current [data-refresh-url]");
  if (!box) return;
  const url = box.dataset.refreshUrl;
  const poll = async () => {
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.ok) {
        const html = await response.text();
        if (!html.includes("data-refresh-url")) {
          location.reload();
          return;
        }
      }
    } catch (error) {
      // offline for a moment: ask again later
    }
    setTimeout(poll, 3000);
  };
  setTimeout(poll, 3000);
}

function saved() {
  say(strings.saved);
  setTimeout(() => location.assign(config.pageUrl), 600);
}

function uploadError(error) {
  if (error.permanent) say(fill(strings.failed, { reason: error.message || String(error.status) }));
}

async function turnOnCamera() {
  ui.camera.disabled = true;
  try {
    stream = await openStream({ kind: "video", width: config.recorder.width, height: config.recorder.height });
  } catch (error) {
    ui.camera.disabled = false;
    say(fill(strings.cameraFailed, { reason: error.message || error.name }));
    return;
  }
  ui.preview.srcObject = stream;
  ui.preview.hidden = false;
  ui.camera.hidden = true;
  ui.start.hidden = false;
  ui.start.focus();
  say(strings.cameraOn);
}

async function startRecording() {
  if (!stream || controller) return;
  ui.start.hidden = true;
  const id = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  controller = await recordTake({
    store,
    stream,
    scope: config.scope,
    purpose: config.metadata.purpose,
    id,
    label: config.metadata.target,
    endpoint: new URL(config.uploadEndpoint, location.href).href,
    metadata: config.metadata,
    kind: "video",
    settings: config.recorder,
    onProgress: (progress) => {
      if (progress.stopped && progress.produced) {
        say(`${strings.uploading} ${Math.floor((100 * progress.acknowledged) / progress.produced)} %`);
      }
    },
    onError: uploadError,
  });
  controller.saved.then(saved, () => {});
  ui.stop.hidden = false;
  ui.stop.focus();
  ui.timer.hidden = false;
  say(strings.recording);
  ticker = setInterval(() => {
    const elapsed = controller.recorder.elapsedMs / 1000;
    ui.timer.textContent = `${formatClock(elapsed)} / ${formatClock(config.maxSeconds)}`;
    if (elapsed >= config.maxSeconds) stopRecording(true);
  }, 250);
}

async function stopRecording(atLimit) {
  if (!controller || ui.stop.hidden) return;
  clearInterval(ticker);
  ui.stop.hidden = true;
  await controller.stop();
  stopStream(stream);
  ui.preview.hidden = true;
  say(atLimit ? `${strings.atLimit} ${strings.uploading}` : strings.uploading);
}

function reasonOf(error) {
  const response = error && error.originalResponse;
  if (!response) return String((error && error.message) || error);
  const body = response.getBody() || "";
  try {
    const parsed = JSON.parse(body);
    return parsed.error || parsed.message || parsed.detail || String(response.getStatus());
  } catch (parseError) {
    return body.length < 400 ? body.trim() : String(response.getStatus());
  }
}

/** The file form sends its file over tus when it can (resumable, in chunks, no size limit
 *  of a proxy on form posts); without JavaScript the form posts it. */
function uploadFilesOverTus() {
  const form = $("video-file-form");
  const tus = window.tus;
  if (!form || !tus || !tus.isSupported) return;
  const status = $("video-file-status");
  form.addEventListener("submit", (event) => {
    const file = form.querySelector('input[type="file"]').files[0];
    if (!file) return; // the server says what is missing
    event.preventDefault();
    if (file.size > config.maxBytes) {
      status.textContent = fill(strings.tooLarge, { max: Math.floor(config.maxBytes / 2 ** 20) });
      return;
    }
    form.querySelector('button[type="submit"]').disabled = true;
    const upload = new tus.Upload(file, {
      endpoint: new URL(config.uploadEndpoint, location.href).href,
      metadata: { ...config.metadata, source: "file", filename: file.name, filetype: file.type || "" },
      headers: { "X-CSRFToken": csrfToken() },
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => {
        status.textContent = `${strings.uploading} ${Math.floor((100 * sent) / (total || 1))} %`;
      },
      onError: (error) => {
        form.querySelector('button[type="submit"]').disabled = false;
        status.textContent = fill(strings.failed, { reason: reasonOf(error) });
      },
      onSuccess: () => {
        status.textContent = strings.saved;
        location.assign(config.pageUrl);
      },
    });
    upload.start();
  });
}

async function main() {
  followProcessing();
  uploadFilesOverTus();
  if (environmentProblems().length) {
    ui.section.hidden = false;
    ui.camera.hidden = true;
    say(strings.cannotRecord);
    return;
  }
  store = await ChunkStore.open();
  // A recording an earlier visit of this page left unsent (a reload, a crash) goes on.
  await resumePending({ store, scope: config.scope, handlers: { onSaved: saved, onError: (record, error) => uploadError(error) } });
  ui.section.hidden = false;
  ui.camera.addEventListener("click", turnOnCamera);
  ui.start.addEventListener("click", startRecording);
  ui.stop.addEventListener("click", () => stopRecording(false));
}

main();
