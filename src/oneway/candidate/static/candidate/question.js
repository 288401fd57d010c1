// A question (or the practice question) once shown: thinking countdown, recording with a
// timer that stops at the limit, watching back, retakes, choosing the take to send.
// Written answers only get a character counter here.
import {
  ChunkStore,
  devicePreference,
  environmentProblems,
  explainProblem,
  formatBytes,
  formatClock,
  openStream,
  postJSON,
  recordTake,
  stopStream,
  watchLevel,
} from "./recorder.js";
import { PendingList, TabGuard, flow, format, lookupUploadUrl, readJSON, resumeEarlierUploads, stringsFor } from "./flow.js";

const config = readJSON("question-config");
const strings = stringsFor({ kind: config.answerType, practice: config.practice });
const $ = (id) => document.getElementById(id);
const GET_READY_SECONDS = 5;

const ui = {
  recorder: $("recorder"),
  preview: $("preview"),
  playback: $("playback"),
  level: $("level"),
  indicator: $("rec-indicator"),
  countdown: $("countdown"),
  timer: $("timer"),
  timerValue: $("timer-value"),
  status: $("recorder-status"),
  error: $("recorder-error"),
  startNow: $("start-now"),
  stop: $("stop"),
  retake: $("retake"),
  form: $("submit-form"),
  takesFieldset: $("takes-fieldset"),
  takesList: $("takes-list"),
  submit: $("submit-answer"),
};

const state = {
  phase: "idle",
  stream: null,
  stopLevel: () => {},
  take: null, // the take being recorded: { info, controller }
  takes: config.takes.map((take) => ({ ...take })),
  localUrls: new Map(),
  countdownTimer: null,
  tickTimer: null,
  paused: false,
};

function label() {
  return config.practice ? strings.practiceLabel : format(strings.questionLabel, { n: config.label });
}

function setPhase(phase) {
  state.phase = phase;
  if (ui.recorder) ui.recorder.dataset.phase = phase;
}

function say(message) {
  ui.status.textContent = message;
}

function showError(message, canRetry = true) {
  ui.error.hidden = false;
  ui.error.querySelector("p").textContent = message;
  $("try-again").hidden = !canRetry;
}

function hideError() {
  ui.error.hidden = true;
}

// --- Camera --------------------------------------------------------------------------

async function startCamera() {
  if (state.stream) return state.stream;
  say(strings.cameraStarting);
  const preference = devicePreference.get();
  const stream = await openStream({
    kind: config.answerType,
    videoDeviceId: preference.video,
    audioDeviceId: preference.audio,
    width: config.recorder.width,
    height: config.recorder.height,
    timeoutMs: config.permissionTimeoutMs,
  });
  state.stream = stream;
  // A camera unplugged or taken by the system mid-take: keep what was recorded.
  stream.getTracks().forEach((track) =>
    track.addEventListener("ended", () => {
      if (state.phase !== "recording" || state.stream !== stream) return;
      showError(strings.errorRecorder, false);
      stopRecording(false);
    }),
  );
  if (config.answerType === "video") {
    ui.preview.srcObject = stream;
    ui.preview.hidden = false;
    ui.preview.play().catch(() => {});
  } else if (ui.level) {
    state.stopLevel = watchLevel(stream, (level) => (ui.level.value = level));
  }
  ui.playback.hidden = true;
  say(config.answerType === "video" ? strings.cameraReady : strings.microphoneReady);
  return stream;
}

function stopCamera() {
  state.stopLevel();
  state.stopLevel = () => {};
  stopStream(state.stream);
  state.stream = null;
  if (ui.preview && "srcObject" in ui.preview) ui.preview.srcObject = null;
}

// --- Countdown and recording --------------------------------------------------------------

function clearTimers() {
  clearInterval(state.countdownTimer);
  clearInterval(state.tickTimer);
  state.countdownTimer = state.tickTimer = null;
}

async function beginCountdown(seconds, messageKey) {
  hideError();
  try {
    await startCamera();
  } catch (error) {
    setPhase("error");
    showError(explainProblem(error, strings));
    return;
  }
  setPhase("countdown");
  const endsAt = Date.now() + seconds * 1000;
  ui.countdown.hidden = false;
  ui.startNow.hidden = false;
  ui.retake.hidden = true;
  const update = () => {
    const left = Math.max(0, Math.ceil((endsAt - Date.now()) / 1000));
    ui.countdown.textContent = format(strings[messageKey], { time: formatClock(left) });
    if (left <= 0) startRecording();
  };
  // One countdown on screen (the line above); the status is announced once, without a
  // number that would run beside it.
  say(strings[`${messageKey}Announce`]);
  update();
  state.countdownTimer = setInterval(update, 250);
  ui.startNow.focus();
}

async function startRecording() {
  if (state.phase !== "countdown" || state.paused) return;
  clearTimers();
  setPhase("starting");
  ui.countdown.hidden = true;
  ui.startNow.hidden = true;
  const result = await postJSON(config.takesEndpoint, { tab: guard.id }).catch(() => ({ ok: false, status: 0, body: {} }));
  if (!result.ok) {
    setPhase("review");
    showError(result.body.error || strings.retrying, result.status === 0);
    renderReview();
    return;
  }
  const info = { ...result.body.take, saved: false, local: true };
  state.takes.push(info);
  const upload = result.body.upload;
  const controller = await recordTake({
    store,
    stream: state.stream,
    scope: flow.scope,
    purpose: "answer",
    id: info.id,
    label: `${label()}, ${format(strings.take, { n: info.number })}`,
    endpoint: new URL(upload.endpoint, location.href).href,
    metadata: upload.metadata,
    kind: config.answerType,
    settings: config.recorder,
    headers: { "X-Oneway-Tab": guard.id },
    extra: { answerId: config.answerId },
    onProgress: (progress) => progressOf(info, progress),
    onWaiting: (reason) => {
      info.waiting = reason;
      connection(reason === "offline" ? strings.offline : strings.retrying);
      renderTakes();
    },
    onError: (error) => {
      if (error.storage) showError(strings.errorStorage, false);
      else if (error.recorder) {
        showError(strings.errorRecorder, false);
        stopRecording(false); // what was recorded is kept and saved
      } else if (error.permanent) {
        showError(error.message || strings.uploadFailed, false);
        if (error.status === 422) {
          // Refused as empty or unreadable: the server deleted the take, and it does
          // not count against the takes allowed.
          state.takes = state.takes.filter((t) => t !== info);
          state.localUrls.delete(info.id);
          renderReview();
        }
      }
    },
    onChunkStored: chunkHook,
    lookupUploadUrl,
  });
  state.take = { info, controller };
  if (ui.recorder) ui.recorder.dataset.currentTake = String(info.id);
  controller.saved.then(
    () => takeSaved(info),
    () => renderTakes(),
  );
  setPhase("recording");
  ui.indicator.hidden = false;
  ui.timer.hidden = false;
  ui.stop.hidden = false;
  ui.stop.focus();
  say(format(strings.recordingStarted, { time: formatClock(config.answerSeconds) }));
  renderTakes();
  let warned = false;
  state.tickTimer = setInterval(() => {
    const elapsed = controller.recorder.elapsedMs / 1000;
    ui.timerValue.textContent = formatClock(Math.floor(elapsed));
    const left = config.answerSeconds - elapsed;
    if (!warned && config.answerSeconds >= 60 && left <= 30) {
      warned = true;
      say(format(strings.timeLeft, { time: formatClock(30) }));
    }
    if (left <= 0) stopRecording(true);
  }, 200);
}

async function stopRecording(atLimit) {
  if (state.phase !== "recording") return;
  clearTimers();
  setPhase("stopping");
  ui.stop.hidden = true;
  ui.indicator.hidden = true;
  const { info, controller } = state.take;
  window.__onewayStopClickedAt = performance.now();
  const result = await controller.stop();
  info.durationMs = result.durationMs;
  stopCamera(); // the camera light goes off while the candidate watches back
  postJSON(`${flow.takesBase}${info.id}/stop/`, { durationMs: result.durationMs, mimeType: result.mimeType }).catch(() => {});
  state.localUrls.set(info.id, URL.createObjectURL(controller.localBlob()));
  state.take = null;
  say(`${atLimit ? strings.stoppedAtLimit : strings.stopped} ${info.saved ? strings.saved : strings.savingFinal}`);
  setPhase("review");
  renderReview(state.takes.includes(info) ? info : undefined);
}

/** The connection line: shown while uploads wait for the network, recording or not. */
function connection(message) {
  const line = $("connection");
  if (!line) return;
  line.hidden = !message;
  line.textContent = message || "";
}

function progressOf(info, progress) {
  info.left = Math.max(0, progress.produced - progress.acknowledged);
  if (info.waiting) connection("");
  info.waiting = "";
  if (state.phase === "review" && !info.saved && progress.stopped) {
    say(format(strings.saving, { size: formatBytes(info.left) }));
  }
}

function takeSaved(info) {
  connection("");
  info.saved = true;
  info.waiting = "";
  info.state = "uploaded";
  window.__onewaySavedAt = performance.now();
  if (ui.recorder) ui.recorder.dataset.lastSaved = String(info.id);
  if (state.phase === "review") say(strings.saved);
  renderTakes(info.id);
}

// --- Review: watch back, choose, retake ---------------------------------------------------

function playbackSource(info) {
  return state.localUrls.get(info.id) || (info.saved ? info.playbackUrl : "");
}

function watch(info) {
  const source = playbackSource(info);
  if (!source) return;
  ui.playback.src = source;
  ui.playback.hidden = false;
  if (config.answerType === "video") ui.preview.hidden = true;
}

function renderReview(latest) {
  const shown = latest || [...state.takes].reverse().find((t) => playbackSource(t));
  if (shown) watch(shown);
  else if (config.answerType === "video") ui.preview.hidden = true;
  renderTakes();
}

function renderTakes(selectId) {
  const checked = ui.form.querySelector('input[name="take"]:checked');
  let selected = selectId || (checked && Number(checked.value));
  const saved = state.takes.filter((t) => t.saved);
  if (!selected || !saved.some((t) => t.id === selected)) selected = saved.length ? saved[saved.length - 1].id : null;
  ui.takesList.replaceChildren();
  for (const info of state.takes) {
    const row = document.createElement("div");
    row.className = "take-choice";
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "take";
    input.value = info.id;
    input.id = `take-${info.id}`;
    input.disabled = !info.saved;
    input.checked = info.id === selected;
    const labelEl = document.createElement("label");
    labelEl.htmlFor = input.id;
    const time = formatClock((info.durationMs || 0) / 1000);
    let text;
    if (info.saved) text = format(strings.takeSaved, { n: info.number, time });
    else if (state.take && state.take.info === info) text = `${format(strings.take, { n: info.number })} (${strings.recording})`;
    else if (info.left !== undefined || info.local) text = format(strings.takeUploading, { n: info.number, time });
    else text = format(strings.takeWaiting, { n: info.number });
    labelEl.textContent = text;
    row.append(input, " ", labelEl);
    if (playbackSource(info) && state.phase === "review") {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.textContent = format(strings.watch, { n: info.number });
      button.addEventListener("click", () => watch(info));
      row.append(" ", button);
    }
    ui.takesList.append(row);
  }
  ui.takesFieldset.hidden = state.takes.length === 0;
  ui.submit.disabled = saved.length === 0 || state.phase === "recording" || state.paused;
  const left = config.maxTakes - state.takes.length;
  const reviewing = state.phase === "review" || state.phase === "error";
  ui.retake.hidden = !reviewing || left <= 0 || state.paused;
  ui.retake.textContent = format(strings.retakesLeft, { n: left });
  const note = $("retake-note");
  if (note) note.hidden = !reviewing || left > 0;
}

async function retake() {
  ui.playback.pause();
  ui.playback.hidden = true;
  ui.retake.hidden = true;
  await beginCountdown(Math.min(GET_READY_SECONDS, config.thinkingSeconds || GET_READY_SECONDS), "getReady");
}

async function refreshTake(id) {
  const response = await fetch(`${flow.takesBase}${id}/`, { credentials: "same-origin" });
  if (!response.ok) return;
  const { take } = await response.json();
  const info = state.takes.find((t) => t.id === take.id);
  if (info) Object.assign(info, take);
  else state.takes.push(take);
}

// --- Leaving, other tabs, test hooks -----------------------------------------------------------

function pauseForOtherTab() {
  state.paused = true;
  if (state.phase === "recording") stopRecording(false);
  clearTimers();
  if (state.phase === "countdown") setPhase("review");
  stopCamera();
  ui.startNow.hidden = true;
  renderTakes();
}

function chunkHook(key, stored, blob) {
  // Tests compare the bytes the browser produced with the bytes the server stored.
  if (typeof window.__onewayChunkStored !== "function") return;
  blob.arrayBuffer().then((buffer) => {
    let binary = "";
    const bytes = new Uint8Array(buffer);
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    window.__onewayChunkStored(key, stored.start, btoa(binary));
  });
}

// --- Written answers -------------------------------------------------------------------------

function initTextCounter() {
  const textarea = document.querySelector("textarea[name=text]");
  const counter = $("char-count");
  if (!textarea || !counter) return;
  const max = Number(textarea.getAttribute("maxlength")) || 0;
  let lastAnnounced = null;
  const update = () => {
    const left = max - textarea.value.length;
    // Announce only at thresholds, so screen readers are not flooded while typing.
    const bucket = left <= 0 ? 0 : left <= 50 ? 50 : left <= 200 ? 200 : null;
    counter.setAttribute("aria-live", bucket !== lastAnnounced ? "polite" : "off");
    lastAnnounced = bucket;
    counter.textContent = format(strings.charactersLeft, { n: left });
  };
  textarea.addEventListener("input", update);
  update();
}

// --- Start -------------------------------------------------------------------------------------

const store = await ChunkStore.open();
const pending = new PendingList($("pending"));
const guard = new TabGuard({ onLost: pauseForOtherTab });
await guard.start();

if (config.answerType === "text") {
  initTextCounter();
} else {
  ui.startNow.addEventListener("click", () => startRecording());
  ui.stop.addEventListener("click", () => stopRecording(false));
  ui.retake.addEventListener("click", () => retake());
  $("try-again").addEventListener("click", () => {
    hideError();
    if (!state.takes.length) beginCountdown(GET_READY_SECONDS, "getReady");
    else renderReview();
  });
  ui.form.addEventListener("submit", (event) => {
    const checked = ui.form.querySelector('input[name="take"]:checked');
    const info = checked && state.takes.find((t) => t.id === Number(checked.value));
    if (!info || !info.saved) {
      event.preventDefault();
      say(strings.waitForSave);
    }
  });
  window.addEventListener("pagehide", () => stopCamera());

  await resumeEarlierUploads({
    store,
    pending,
    lookupUploadUrl,
    extra: {
      onInterrupted: (record) => {
        if (record.answerId === config.answerId) say(strings.interrupted);
      },
      onSaved: async (record) => {
        if (record.answerId === config.answerId) {
          await refreshTake(record.id);
          if (ui.recorder) ui.recorder.dataset.lastSaved = String(record.id);
          renderReview();
        }
      },
    },
  });
  await guard.ready;
  const problems = environmentProblems();
  if (problems.length) {
    setPhase("error");
    showError(explainProblem(problems[0], strings), false);
  } else if (!state.takes.length) {
    const thinking = config.thinkingLeft > 0 ? config.thinkingLeft : GET_READY_SECONDS;
    await beginCountdown(thinking, config.thinkingLeft > 0 ? "thinking" : "getReady");
  } else {
    setPhase("review");
    renderReview();
  }
}
document.documentElement.dataset.candidateReady = "1";
