// The device check: preview, microphone level, device pickers, and a test clip that goes
// through the same upload path as answers and is played back from the server.
import {
  ChunkStore,
  devicePreference,
  environmentProblems,
  explainProblem,
  formatClock,
  openStream,
  recordTake,
  stopStream,
  watchLevel,
} from "./recorder.js";
import { PendingList, TabGuard, flow, format, lookupUploadUrl, readJSON, resumeEarlierUploads, stringsFor } from "./flow.js";

const config = readJSON("device-check-config");
const $ = (id) => document.getElementById(id);
const kind = config.audioOnly ? "audio" : "video";
const strings = stringsFor({ kind });
const ui = {
  problem: $("check-problem"),
  turnOn: $("turn-on"),
  devices: $("devices"),
  preview: $("check-preview"),
  camera: $("camera-select"),
  microphone: $("microphone-select"),
  level: $("check-level"),
  levelStatus: $("level-status"),
  recordClip: $("record-clip"),
  clipStatus: $("clip-status"),
  playback: $("clip-playback"),
  connection: $("connection-status"),
  done: $("check-done"),
  result: $("check-result"),
};
let stream = null;
let stopLevel = () => {};
let heardAt = 0;

function problem(message) {
  ui.problem.hidden = !message;
  ui.problem.querySelector("p").textContent = message || "";
  if (message) ui.problem.focus?.();
}

async function fillPickers() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  const fill = (select, deviceKind, track) => {
    if (!select) return;
    const current = track ? track.getSettings().deviceId : "";
    select.replaceChildren();
    devices
      .filter((d) => d.kind === deviceKind)
      .forEach((device, index) => {
        const fallback = format(deviceKind === "videoinput" ? strings.cameraN : strings.microphoneN, { n: index + 1 });
        const option = new Option(device.label || fallback, device.deviceId);
        option.selected = device.deviceId === current;
        select.append(option);
      });
  };
  fill(ui.camera, "videoinput", stream.getVideoTracks()[0]);
  fill(ui.microphone, "audioinput", stream.getAudioTracks()[0]);
}

async function turnOn() {
  problem("");
  const problems = environmentProblems();
  if (problems.length) {
    problem(explainProblem(problems[0], strings));
    ui.result.value = problems[0];
    return;
  }
  stopLevel();
  stopStream(stream);
  stream = null;
  ui.turnOn.disabled = true;
  ui.levelStatus.textContent = strings.cameraStarting;
  const preference = devicePreference.get();
  try {
    stream = await openStream({ kind, videoDeviceId: preference.video, audioDeviceId: preference.audio, width: config.recorder.width, height: config.recorder.height, timeoutMs: config.permissionTimeoutMs });
  } catch (error) {
    ui.turnOn.disabled = false;
    ui.levelStatus.textContent = "";
    problem(explainProblem(error, strings));
    ui.result.value = error.name || "error";
    return;
  }
  ui.devices.hidden = false;
  ui.turnOn.hidden = true;
  if (ui.preview) {
    ui.preview.srcObject = stream;
    ui.preview.play().catch(() => {});
  }
  heardAt = 0;
  stopLevel = watchLevel(stream, (level) => {
    ui.level.value = level;
    if (level > 0.08) heardAt = Date.now();
  });
  await fillPickers();
  ui.recordClip.disabled = false;
}

function updateLevelText() {
  if (!stream) return;
  const heard = Date.now() - heardAt < 3000;
  const text = heard ? `✓ ${strings.soundHeard}` : strings.soundQuiet;
  if (ui.levelStatus.textContent !== text) ui.levelStatus.textContent = text;
}

async function recordClip() {
  if (!store) return;
  ui.recordClip.disabled = true;
  ui.done.disabled = true;
  ui.playback.hidden = true;
  const id = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const startedAt = performance.now();
  let controller;
  try {
    controller = await recordTake({
      store,
      stream,
      scope: flow.scope,
      purpose: "device-check",
      id,
      label: strings.deviceCheckLabel,
      endpoint: new URL(config.uploadEndpoint, location.href).href,
      metadata: { purpose: "device-check" },
      kind,
      settings: config.recorder,
      headers: { "X-Oneway-Tab": guard.id },
      onError: (error) => {
        if (error.permanent) problem(error.message || strings.uploadFailed);
      },
      onWaiting: (reason) => (ui.clipStatus.textContent = reason === "offline" ? strings.offline : strings.retrying),
    });
  } catch (error) {
    problem(explainProblem(error, strings));
    ui.recordClip.disabled = false;
    return;
  }
  const endsAt = Date.now() + config.clipSeconds * 1000;
  await new Promise((resolve) => {
    const tick = () => {
      const left = Math.max(0, Math.ceil((endsAt - Date.now()) / 1000));
      ui.clipStatus.textContent = format(strings.clipRecording, { time: formatClock(left) });
      if (left <= 0) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 250);
    tick();
  });
  const result = await controller.stop();
  const stoppedAt = performance.now();
  ui.clipStatus.textContent = strings.clipUploading;
  let record;
  try {
    record = await controller.saved;
  } catch (error) {
    ui.recordClip.disabled = false;
    return;
  }
  const savedAt = performance.now();
  const uploadId = (record.uploadUrl || "").split("/").pop();
  ui.playback.src = config.clipUrl.replace("00000000-0000-0000-0000-000000000000", uploadId);
  ui.playback.hidden = false;
  ui.clipStatus.textContent = strings.clipReady;
  // The upload kept pace with the recording if it finished soon after the stop.
  const slow = savedAt - stoppedAt > 3000 && (result.bytes * 8) / ((savedAt - startedAt) / 1000) < config.recorder.videoBitsPerSecond;
  ui.connection.textContent = slow ? strings.slowConnection : `✓ ${strings.goodConnection}`;
  ui.result.value = slow ? "ok-slow" : "ok";
  ui.done.disabled = false;
  ui.recordClip.disabled = false;
}

const guard = new TabGuard({});
let store = null;
ui.turnOn.addEventListener("click", turnOn);
$("check-retry").addEventListener("click", turnOn);
ui.recordClip.addEventListener("click", recordClip);
for (const [select, name] of [
  [ui.camera, "video"],
  [ui.microphone, "audio"],
]) {
  if (select) {
    select.addEventListener("change", () => {
      devicePreference.set({ [name]: select.value });
      turnOn();
    });
  }
}
setInterval(updateLevelText, 500);
window.addEventListener("pagehide", () => {
  stopLevel();
  stopStream(stream);
});

store = await ChunkStore.open();
await guard.start();
resumeEarlierUploads({ store, pending: new PendingList($("pending")), lookupUploadUrl });
document.documentElement.dataset.candidateReady = "1";
