// The recorder: camera and microphone, MediaRecorder, a local copy of every chunk in
// IndexedDB, and a tus upload that streams the chunks to the server while recording.
//
// Nothing recorded is lost: a chunk is written to IndexedDB before it is uploaded and
// deleted only once the server has acknowledged it (tus Upload-Offset). After a reload, a
// closed tab or a crash, resumePending() finds what is left and uploads it; offline, the
// upload waits for the network while the recording goes on. Each take uploads under a
// Web Lock, so two tabs never upload the same take at once.
import "./vendor/tus.min.js";

const tus = window.tus;

// --- Types and devices -----------------------------------------------------------------

const MP4_VIDEO_TYPES = [
  "video/mp4;codecs=avc1.42E01F,mp4a.40.2",
  "video/mp4;codecs=avc1,mp4a.40.2",
  "video/mp4;codecs=avc1,opus",
];
const WEBM_VIDEO_TYPES = ["video/webm;codecs=vp9,opus", "video/webm;codecs=vp8,opus", "video/webm"];
const AUDIO_TYPES = ["audio/mp4;codecs=mp4a.40.2", "audio/webm;codecs=opus", "audio/webm", "audio/mp4"];

function supported(type) {
  try {
    return window.MediaRecorder.isTypeSupported(type);
  } catch (error) {
    return false; // some browsers throw on codec strings they do not parse
  }
}

/** Does this MediaRecorder know the key-frame interval option (Chromium 131+)? Without it,
 *  Chromium's MP4 recorder holds everything until the key frame that never comes, so
 *  nothing could stream while recording. Dictionary members are read when the options are
 *  converted, so a getter tells. */
function knowsKeyFrameInterval() {
  let read = false;
  try {
    new MediaRecorder(new MediaStream(), {
      get videoKeyFrameIntervalDuration() {
        read = true;
        return 1000;
      },
    });
  } catch (error) {
    // an empty stream may be refused; the getter has run by then
  }
  return read;
}

/** The best type this browser records while streaming: MP4 (H.264) where the recorder
 *  emits it chunk by chunk (Safari; Chromium with key frames on request), else WebM (VP9,
 *  then VP8). "" lets the browser choose (no isTypeSupported); null: it cannot record. */
export function pickMimeType(kind) {
  const Recorder = window.MediaRecorder;
  if (typeof Recorder !== "function") return null;
  if (typeof Recorder.isTypeSupported !== "function") return "";
  let types = AUDIO_TYPES;
  if (kind !== "audio") {
    const webm = WEBM_VIDEO_TYPES.filter(supported);
    const mp4First = !webm.length || knowsKeyFrameInterval();
    types = mp4First ? [...MP4_VIDEO_TYPES, ...webm, "video/mp4"] : [...webm, ...MP4_VIDEO_TYPES, "video/mp4"];
  }
  return types.find(supported) || "";
}

/** What stops recording here at all: names of problems (explained by explainProblem). */
export function environmentProblems() {
  const problems = [];
  const local = ["localhost", "127.0.0.1", "[::1]"].includes(location.hostname);
  if (!window.isSecureContext && !local) problems.push("insecure");
  if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== "function") {
    problems.push("noMediaDevices");
  }
  if (typeof window.MediaRecorder !== "function") problems.push("noMediaRecorder");
  return problems;
}

/** A plain-language fix for a getUserMedia/MediaRecorder failure or an environment problem. */
export function explainProblem(errorOrName, strings) {
  const name = typeof errorOrName === "string" ? errorOrName : errorOrName && errorOrName.name;
  const known = {
    NotAllowedError: "errorNotAllowed",
    SecurityError: "errorNotAllowed",
    PermissionDeniedError: "errorNotAllowed",
    NotFoundError: "errorNotFound",
    DevicesNotFoundError: "errorNotFound",
    NotReadableError: "errorNotReadable",
    TrackStartError: "errorNotReadable",
    AbortError: "errorNotReadable",
    OverconstrainedError: "errorOverconstrained",
    ConstraintNotSatisfiedError: "errorOverconstrained",
    TimeoutError: "errorTimeout",
    insecure: "errorInsecure",
    noMediaDevices: "errorNoMediaDevices",
    noMediaRecorder: "errorNoMediaRecorder",
  };
  return strings[known[name] || "errorGeneric"];
}

const PERMISSION_TIMEOUT_MS = 20000;

/** getUserMedia with the saved device choice, a fallback for stale device ids, and a
 *  timeout for a permission prompt that never settles (rejects with name TimeoutError). */
export async function openStream({ kind, videoDeviceId, audioDeviceId, width, height, timeoutMs }) {
  const audio = audioDeviceId ? { deviceId: { exact: audioDeviceId } } : true;
  const video =
    kind === "audio"
      ? false
      : {
          width: { ideal: width || 1280 },
          height: { ideal: height || 720 },
          ...(videoDeviceId ? { deviceId: { exact: videoDeviceId } } : { facingMode: "user" }),
        };
  const ask = (constraints) =>
    new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        const error = new Error("The permission prompt did not settle.");
        error.name = "TimeoutError";
        reject(error);
      }, timeoutMs || PERMISSION_TIMEOUT_MS);
      navigator.mediaDevices.getUserMedia(constraints).then(
        (stream) => {
          clearTimeout(timer);
          if (settled) {
            stopStream(stream); // too late: the page has moved on
            return;
          }
          settled = true;
          resolve(stream);
        },
        (error) => {
          clearTimeout(timer);
          if (!settled) {
            settled = true;
            reject(error);
          }
        },
      );
    });
  try {
    return await ask({ audio, video });
  } catch (error) {
    // A remembered device that is gone: try the defaults before giving up.
    if ((videoDeviceId || audioDeviceId) && ["OverconstrainedError", "NotFoundError"].includes(error.name)) {
      return ask({ audio: true, video: kind === "audio" ? false : { facingMode: "user" } });
    }
    throw error;
  }
}

/** Stop every track (the camera light goes off). */
export function stopStream(stream) {
  if (stream) stream.getTracks().forEach((track) => track.stop());
}

export const devicePreference = {
  get() {
    try {
      return JSON.parse(localStorage.getItem("oneway-devices") || "{}");
    } catch (error) {
      return {};
    }
  },
  set(value) {
    try {
      localStorage.setItem("oneway-devices", JSON.stringify({ ...this.get(), ...value }));
    } catch (error) {
      // Private browsing: the choice lasts for this page only.
    }
  },
};

// --- MediaRecorder ---------------------------------------------------------------------

// A chunk bigger than this (the first one after a device slept) is split before it is
// stored and sent: no single IndexedDB record or PATCH grows unbounded.
const MAX_PIECE_BYTES = 1024 * 1024;

/** One take: MediaRecorder with a timeslice; onChunk(blob) gets non-empty pieces in order. */
export class TakeRecorder {
  constructor(stream, { mimeType, timesliceMs, videoBitsPerSecond, audioBitsPerSecond, onChunk, onError }) {
    this.stream = stream;
    this.requestedType = mimeType || "";
    this.mimeType = "";
    this.timesliceMs = timesliceMs || 1000;
    this.bits = { videoBitsPerSecond, audioBitsPerSecond };
    this.onChunk = onChunk;
    this.onError = onError || (() => {});
    this.bytes = 0;
    this._stopped = null;
  }

  start() {
    const options = {};
    if (this.requestedType) options.mimeType = this.requestedType;
    if (this.bits.videoBitsPerSecond && this.stream.getVideoTracks().length) {
      options.videoBitsPerSecond = this.bits.videoBitsPerSecond;
    }
    if (this.bits.audioBitsPerSecond) options.audioBitsPerSecond = this.bits.audioBitsPerSecond;
    // MP4 fragments end at key frames: one per timeslice keeps the chunks flowing.
    if (this.requestedType.includes("mp4")) options.videoKeyFrameIntervalDuration = this.timesliceMs;
    try {
      this.recorder = new MediaRecorder(this.stream, options);
    } catch (error) {
      this.recorder = new MediaRecorder(this.stream); // the browser's own choice
    }
    this._stopped = new Promise((resolve) => {
      this.recorder.addEventListener("stop", () => {
        this.durationMs = Math.round(performance.now() - this.startedAt);
        resolve();
      });
    });
    this.recorder.addEventListener("dataavailable", (event) => this._data(event.data));
    this.recorder.addEventListener("error", (event) => this.onError(event.error || event));
    this.recorder.start(this.timesliceMs);
    this.startedAt = performance.now();
    this.mimeType = this.recorder.mimeType || "";
  }

  get elapsedMs() {
    return this.startedAt ? performance.now() - this.startedAt : 0;
  }

  get recording() {
    return this.recorder && this.recorder.state === "recording";
  }

  _data(blob) {
    if (!blob || !blob.size) return; // empty chunks carry nothing
    if (!this.mimeType) this.mimeType = this.recorder.mimeType || blob.type || this.requestedType;
    for (let at = 0; at < blob.size; at += MAX_PIECE_BYTES) {
      const piece = blob.size > MAX_PIECE_BYTES ? blob.slice(at, at + MAX_PIECE_BYTES) : blob;
      this.bytes += piece.size;
      this.onChunk(piece);
    }
  }

  /** Stop; resolves after the last chunk has been handed to onChunk. */
  stop() {
    if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
    return this._stopped || Promise.resolve();
  }
}

// --- The local copy: IndexedDB ---------------------------------------------------------

const DB_NAME = "oneway-recordings";

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openDatabase() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore("takes", { keyPath: "key" });
      db.createObjectStore("chunks", { keyPath: ["key", "start"] });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error("IndexedDB is blocked by another tab."));
  });
}

/** Takes (records) and their chunks, kept until the server has them. */
export class ChunkStore {
  static async open() {
    try {
      return new ChunkStore(await openDatabase());
    } catch (error) {
      console.warn("IndexedDB unavailable, keeping recordings in memory only", error);
      return new ChunkStore(null);
    }
  }

  constructor(db) {
    this.db = db;
    this.persistent = Boolean(db);
    this.memory = { takes: new Map(), chunks: new Map() };
    this.queues = new Map();
    this.waiters = new Map();
  }

  _tx(names, mode, work) {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(names, mode);
      let result;
      Promise.resolve(work(tx)).then((value) => (result = value), reject);
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
    });
  }

  // Writes of one take happen in order (chunks, then the stop mark).
  _queue(key, job) {
    const next = (this.queues.get(key) || Promise.resolve()).then(job, job);
    this.queues.set(key, next.catch(() => {}));
    return next;
  }

  _changed(key) {
    const waiters = this.waiters.get(key) || [];
    this.waiters.delete(key);
    waiters.forEach((resolve) => resolve());
  }

  /** Resolves at the next change of this take (or after `ms`, to look again). */
  changed(key, ms = 3000) {
    return new Promise((resolve) => {
      const list = this.waiters.get(key) || [];
      list.push(resolve);
      this.waiters.set(key, list);
      setTimeout(resolve, ms);
    });
  }

  async put(record) {
    if (!this.db) return void this.memory.takes.set(record.key, { ...record });
    await this._tx(["takes"], "readwrite", (tx) => tx.objectStore("takes").put(record));
  }

  async get(key) {
    if (!this.db) return this.memory.takes.get(key) || null;
    return (await this._tx(["takes"], "readonly", (tx) => request(tx.objectStore("takes").get(key)))) || null;
  }

  async list(scope) {
    if (!this.db) return [...this.memory.takes.values()].filter((r) => r.scope === scope);
    const all = await this._tx(["takes"], "readonly", (tx) => request(tx.objectStore("takes").getAll()));
    return all.filter((r) => r.scope === scope);
  }

  async update(key, fields) {
    return this._queue(key, async () => {
      const record = await this.get(key);
      if (!record) return null;
      Object.assign(record, fields);
      await this.put(record);
      this._changed(key);
      return record;
    });
  }

  /** Keep one chunk; resolves with {start, size} once it is safely stored. */
  append(key, blob) {
    return this._queue(key, async () => {
      const data = await blob.arrayBuffer();
      let start;
      if (!this.db) {
        const record = this.memory.takes.get(key);
        start = record.produced;
        this.memory.chunks.set(`${key}|${start}`, { key, start, data });
        record.produced += data.byteLength;
        record.lastChunkAt = Date.now();
      } else {
        start = await this._tx(["takes", "chunks"], "readwrite", async (tx) => {
          const takes = tx.objectStore("takes");
          const record = await request(takes.get(key));
          const at = record.produced;
          tx.objectStore("chunks").put({ key, start: at, data });
          record.produced = at + data.byteLength;
          record.lastChunkAt = Date.now();
          takes.put(record);
          return at;
        });
      }
      this._changed(key);
      return { start, size: data.byteLength };
    });
  }

  /** Bytes [start, end) of a take, as a Blob. */
  async read(key, start, end, type = "") {
    const pieces = [];
    const take = (chunk) => {
      const chunkEnd = chunk.start + chunk.data.byteLength;
      if (chunkEnd <= start || chunk.start >= end) return;
      const from = Math.max(start, chunk.start) - chunk.start;
      const to = Math.min(end, chunkEnd) - chunk.start;
      pieces.push(chunk.data.slice(from, to));
    };
    if (!this.db) {
      [...this.memory.chunks.values()]
        .filter((c) => c.key === key)
        .sort((a, b) => a.start - b.start)
        .forEach(take);
    } else {
      // Pieces are at most MAX_PIECE_BYTES long, so the chunk holding `start` begins after this.
      const range = IDBKeyRange.bound([key, Math.max(0, start - MAX_PIECE_BYTES)], [key, end - 1]);
      const chunks = await this._tx(["chunks"], "readonly", (tx) => request(tx.objectStore("chunks").getAll(range)));
      chunks.forEach(take);
    }
    const blob = new Blob(pieces, { type });
    if (blob.size !== end - start) {
      throw new Error(`Local copy incomplete: ${blob.size} of ${end - start} bytes at ${start}`);
    }
    return blob;
  }

  /** The server has every byte below `offset`: forget those chunks. */
  async acknowledge(key, offset) {
    if (!this.db) {
      for (const [id, chunk] of this.memory.chunks) {
        if (chunk.key === key && chunk.start + chunk.data.byteLength <= offset) this.memory.chunks.delete(id);
      }
    } else {
      const range = IDBKeyRange.bound([key, 0], [key, Number.MAX_SAFE_INTEGER]);
      await this._tx(["chunks"], "readwrite", (tx) => {
        const cursor = tx.objectStore("chunks").openCursor(range);
        cursor.onsuccess = () => {
          const c = cursor.result;
          if (!c) return;
          if (c.value.start + c.value.data.byteLength <= offset) c.delete();
          c.continue();
        };
      });
    }
    await this.update(key, { acknowledged: offset });
  }

  /** The take is stored on the server: drop the record and anything left of it. */
  async remove(key) {
    await this._queue(key, async () => {
      if (!this.db) {
        this.memory.takes.delete(key);
        for (const [id, chunk] of this.memory.chunks) if (chunk.key === key) this.memory.chunks.delete(id);
        return;
      }
      const range = IDBKeyRange.bound([key, 0], [key, Number.MAX_SAFE_INTEGER]);
      await this._tx(["takes", "chunks"], "readwrite", (tx) => {
        tx.objectStore("takes").delete(key);
        tx.objectStore("chunks").delete(range);
      });
    });
    this._changed(key);
  }
}

// --- Streaming upload (tus, deferred length) ---------------------------------------------

const TUS_CHUNK_BYTES = 4 * 1024 * 1024;
// Upload cadence: every second of video is kept in IndexedDB at once, but a chunk is sent
// only every UPLOAD_EVERY_MS, or as soon as UPLOAD_AT_BYTES wait, and the rest at once on
// stop. The interval is 2 s (half the requests of a chunk per second: each costs the
// server the same, whatever its size) when the connection uploads at least 4x as fast as
// the recorder produces, so what is left after stop still goes in under half a second;
// on a slower connection it shrinks towards 1 s (the recorder's own timeslice), which
// keeps stop -> saved under 2 s (bench/finalise.py throttles to 1.5x the bitrate).
export const UPLOAD_EVERY_MS = 2000;
export const UPLOAD_MIN_EVERY_MS = 1000;
export const UPLOAD_AT_BYTES = 512 * 1024;
const LEFTOVER_TARGET_MS = 500;

/** The interval for a connection `speedRatio` times faster than the recording. */
export function uploadInterval(speedRatio) {
  if (!(speedRatio > 0)) return UPLOAD_MIN_EVERY_MS;
  return Math.max(UPLOAD_MIN_EVERY_MS, Math.min(UPLOAD_EVERY_MS, LEFTOVER_TARGET_MS * speedRatio));
}
// The upload's capability (issue 14): returned when the upload is created, sent with
// every later request of it, so the server authorises a chunk from the upload alone.
const CAPABILITY_HEADER = "X-Upload-Token";

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

export async function postJSON(url, data) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(data || {}),
  });
  let body = {};
  try {
    body = await response.json();
  } catch (error) {
    // not JSON (a proxy's error page): keep the status
  }
  return { ok: response.ok, status: response.status, body };
}

function withLock(name, ifAvailable, work) {
  if (!navigator.locks) return work(true);
  return navigator.locks.request(name, { ifAvailable }, (lock) => work(Boolean(lock)));
}

function tusErrorDetails(error) {
  const response = error && error.originalResponse;
  const status = response ? response.getStatus() : 0;
  let message = "";
  if (response) {
    const body = response.getBody() || "";
    try {
      const parsed = JSON.parse(body);
      message = parsed.error || parsed.message || parsed.detail || "";
    } catch (parseError) {
      message = body.length < 400 ? body.trim() : "";
    }
  }
  return { status, message };
}

/** Upload one take from the store while (and after) it is recorded.
 *  Events: onProgress({acknowledged, produced, stopped}), onWaiting(reason), onError({status,
 *  message, permanent}), and the `done` promise (resolves when the server has it all). */
export class StreamingUpload {
  constructor({ store, key, headers, onProgress, onWaiting, onError, lookupUploadUrl }) {
    this.store = store;
    this.key = key;
    this.headers = headers || {};
    this.onProgress = onProgress || (() => {});
    this.onWaiting = onWaiting || (() => {});
    this.onError = onError || (() => {});
    this.lookupUploadUrl = lookupUploadUrl;
    this.attempt = 0;
    this.aborted = false;
    this._lastSent = 0;
    this._interval = UPLOAD_MIN_EVERY_MS;
    this._sending = null; // {bytes, at, producedPerMs}
    this.done = new Promise((resolve, reject) => {
      this._resolve = resolve;
      this._reject = reject;
    });
    this._online = () => this._retryNow();
    window.addEventListener("online", this._online);
  }

  async start() {
    const record = await this.store.get(this.key);
    if (!record) return this._resolve();
    if (!record.uploadUrl && this.attempt > 0 && this.lookupUploadUrl) {
      // The creation may have reached the server without its answer reaching us.
      const url = await this.lookupUploadUrl(record).catch(() => "");
      if (url) await this.store.update(this.key, { uploadUrl: url });
      if (url) record.uploadUrl = url;
    }
    const source = { slice: (start, end) => this._slice(start, end), close() {} };
    const headers = { "X-CSRFToken": csrfToken(), ...this.headers };
    if (record.uploadToken) headers[CAPABILITY_HEADER] = record.uploadToken;
    this.upload = new tus.Upload(
      { key: this.key },
      {
        endpoint: record.uploadUrl ? null : record.endpoint,
        uploadUrl: record.uploadUrl || null,
        metadata: record.metadata,
        headers,
        uploadLengthDeferred: true,
        chunkSize: TUS_CHUNK_BYTES,
        retryDelays: [0, 1000, 2000],
        storeFingerprintForResuming: false,
        removeFingerprintOnSuccess: false,
        fingerprint: () => Promise.resolve(null),
        fileReader: { openFile: () => Promise.resolve(source) },
        onAfterResponse: (request, response) => {
          const token = response.getHeader(CAPABILITY_HEADER);
          if (token && headers[CAPABILITY_HEADER] !== token) {
            headers[CAPABILITY_HEADER] = token;
            this.store.update(this.key, { uploadToken: token });
          }
        },
        onUploadUrlAvailable: () => {
          if (this.upload && this.upload.url) this.store.update(this.key, { uploadUrl: this.upload.url });
        },
        onChunkComplete: (size, accepted) => {
          this.attempt = 0;
          this._measure(size);
          this.store.acknowledge(this.key, accepted).then(() => this._progress());
        },
        onSuccess: () => this._finished(),
        onError: (error) => this._failed(error),
      },
    );
    this.upload.start();
  }

  /** After a chunk: how much faster than the recording the connection is, and so the
   *  interval until the next chunk. */
  _measure(size) {
    const sending = this._sending;
    this._sending = null;
    if (!sending || !sending.producedPerMs || sending.bytes < 16 * 1024) return;
    const uploadedPerMs = size / Math.max(1, performance.now() - sending.at);
    this._interval = uploadInterval(uploadedPerMs / sending.producedPerMs);
  }

  async _progress() {
    const record = await this.store.get(this.key);
    if (record) this.onProgress({ acknowledged: record.acknowledged || 0, produced: record.produced, stopped: record.stopped });
  }

  async _slice(start, end) {
    for (;;) {
      if (this.aborted) throw new Error("aborted");
      const record = await this.store.get(this.key);
      if (!record) throw new Error("The local copy of this take is gone.");
      if (start < record.produced) {
        const now = performance.now();
        const waited = now - this._lastSent;
        const due = record.stopped || record.produced - start >= UPLOAD_AT_BYTES || waited >= this._interval;
        if (!due) {
          // More video, the stop, or the end of the interval: whichever comes first.
          await Promise.race([this.store.changed(this.key), sleep(this._interval - waited)]);
          continue;
        }
        const until = Math.min(end, record.produced);
        // How fast the recording grows: the bytes waiting over the time they took.
        const producedPerMs = this._lastSent ? (until - start) / Math.max(1, waited) : 0;
        this._sending = { bytes: until - start, at: now, producedPerMs };
        this._lastSent = now;
        const value = await this.store.read(this.key, start, until, record.mimeType || "");
        return { value, done: Boolean(record.stopped) && until >= record.produced };
      }
      if (record.stopped) return { value: new Blob([]), done: true };
      await this.store.changed(this.key);
    }
  }

  async _finished() {
    this._cleanup();
    const record = await this.store.get(this.key);
    await this.store.remove(this.key);
    this._resolve(record);
  }

  _failed(error) {
    const { status, message } = tusErrorDetails(error);
    const permanent = status >= 400 && status < 500 && ![408, 409, 423, 429].includes(status);
    if (permanent) {
      this.store.update(this.key, { error: message || `HTTP ${status}`, errorStatus: status });
      this.onError({ status, message, permanent: true });
      this._cleanup();
      this._reject(Object.assign(new Error(message || `HTTP ${status}`), { status }));
      return;
    }
    // Offline or a passing server error: wait, then resume from the server's offset.
    this.attempt += 1;
    const delay = Math.min(15000, 1000 * 2 ** Math.min(this.attempt, 4));
    this.onWaiting(navigator.onLine === false ? "offline" : "retrying", delay);
    this.onError({ status, message, permanent: false });
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this._retryNow(), delay);
  }

  /** Retry at once (the network is back, or the candidate pressed retry). */
  _retryNow() {
    if (this.aborted || !this._timer) return;
    clearTimeout(this._timer);
    this._timer = null;
    if (this.upload) this.upload.abort();
    this.start();
  }

  retry() {
    if (!this._timer) this._timer = -1;
    this._retryNow();
  }

  _cleanup() {
    clearTimeout(this._timer);
    this._timer = null;
    window.removeEventListener("online", this._online);
  }

  abort() {
    this.aborted = true;
    this._cleanup();
    if (this.upload) this.upload.abort();
  }
}

// --- A take from start to stored ---------------------------------------------------------

function extension(mimeType) {
  if (!mimeType) return "";
  if (mimeType.startsWith("audio/mp4")) return "m4a";
  return mimeType.includes("mp4") ? "mp4" : "webm";
}

export function takeKey(scope, purpose, id) {
  return `${scope}:${purpose}:${id}`;
}

/** Record a take with `stream` and stream it to the server. Returns a controller:
 *  { stop() -> Promise<{durationMs, mimeType, bytes}>, saved (Promise), upload, recorder, key }. */
export async function recordTake({ store, stream, scope, purpose, id, label, endpoint, metadata, kind, settings, headers, extra, onProgress, onWaiting, onError, onChunkStored, lookupUploadUrl }) {
  const key = takeKey(scope, purpose, id);
  const mimeType = pickMimeType(kind);
  await store.put({
    key,
    scope,
    purpose,
    id,
    label,
    endpoint,
    metadata: { ...metadata, filetype: mimeType || "", ...(extension(mimeType) ? { filename: `${purpose}-${id}.${extension(mimeType)}` } : {}) },
    uploadUrl: "",
    mimeType: mimeType || "",
    produced: 0,
    acknowledged: 0,
    stopped: false,
    createdAt: Date.now(),
    ...(extra || {}),
  });
  const upload = new StreamingUpload({ store, key, headers, onProgress, onWaiting, onError, lookupUploadUrl });
  const memory = []; // for watching back at once, before the server has everything
  const recorder = new TakeRecorder(stream, {
    mimeType,
    timesliceMs: settings.timesliceMs,
    videoBitsPerSecond: kind === "audio" ? 0 : settings.videoBitsPerSecond,
    audioBitsPerSecond: settings.audioBitsPerSecond,
    onChunk: (blob) => {
      memory.push(blob);
      store.append(key, blob).then(
        (stored) => {
          if (onChunkStored) onChunkStored(key, stored, blob);
          if (stored.start === 0 && recorder.mimeType) store.update(key, { mimeType: recorder.mimeType });
        },
        (error) => onError && onError({ status: 0, message: String(error), permanent: false, storage: true }),
      );
    },
    onError: (error) => onError && onError({ status: 0, message: String(error && error.message), permanent: false, recorder: true }),
  });
  // The upload holds the take's lock until the server has every byte.
  const saved = withLock(`oneway-take-${key}`, false, async () => {
    upload.start();
    return upload.done;
  });
  recorder.start();
  return {
    key,
    recorder,
    upload,
    saved,
    localBlob: () => new Blob(memory, { type: recorder.mimeType || mimeType || "" }),
    async stop() {
      await recorder.stop();
      const durationMs = recorder.durationMs || Math.round(recorder.elapsedMs);
      // After every chunk write (the store queues per take): the length is now known.
      await store.update(key, { stopped: true, durationMs, mimeType: recorder.mimeType || mimeType || "" });
      return { durationMs, mimeType: recorder.mimeType || mimeType || "", bytes: recorder.bytes };
    },
  };
}

/** Upload what an earlier page left in this browser (reload, closed tab, crash, offline).
 *  A take still marked as recording was interrupted: it is closed where its data ends.
 *  `handlers.onTake(record, upload)` for each take picked up; `onInterrupted(record)` first
 *  for interrupted ones; takes another tab is uploading are left to it (`onBusy`). */
export async function resumePending({ store, scope, headers, handlers, lookupUploadUrl }) {
  const records = (await store.list(scope)).filter((r) => !r.uploaded);
  const resume = async (record) => {
      let current = await store.get(record.key);
      if (!current) {
        // Another tab finished it while we waited for the lock.
        if (handlers.onSaved) handlers.onSaved(record);
        return;
      }
      if (!current.stopped) {
        const durationMs = current.lastChunkAt ? Math.max(0, current.lastChunkAt - current.createdAt) : 0;
        current = await store.update(record.key, { stopped: true, interrupted: true, durationMs });
        if (handlers.onInterrupted) await handlers.onInterrupted(current);
      }
      const upload = new StreamingUpload({
        store,
        key: record.key,
        headers,
        onProgress: (p) => handlers.onProgress && handlers.onProgress(current, p),
        onWaiting: (reason, delay) => handlers.onWaiting && handlers.onWaiting(current, reason, delay),
        onError: (e) => handlers.onError && handlers.onError(current, e),
        lookupUploadUrl,
      });
      if (handlers.onTake) handlers.onTake(current, upload);
      upload.start();
      try {
        await upload.done;
        if (handlers.onSaved) handlers.onSaved(current);
      } catch (error) {
        // reported through onError; the data stays in the browser
      }
  };
  for (const record of records) {
    const name = `oneway-take-${record.key}`;
    withLock(name, true, async (mine) => {
      if (mine) return resume(record);
      // Another tab is recording or uploading it: wait for it to let go, then look again.
      if (handlers.onBusy) handlers.onBusy(record);
      withLock(name, false, () => resume(record));
    });
  }
  return records;
}

/** Call `onLevel(0..1)` about 10 times a second with the microphone's loudness. */
export function watchLevel(stream, onLevel) {
  const AudioContextClass = window.AudioContext || window.webkitAudioContext;
  if (!AudioContextClass || !stream.getAudioTracks().length) return () => {};
  const context = new AudioContextClass();
  const source = context.createMediaStreamSource(stream);
  const analyser = context.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const value of samples) sum += value * value;
    // RMS scaled so that speech sits in the middle of the meter.
    onLevel(Math.min(1, Math.sqrt(sum / samples.length) * 4));
  }, 100);
  if (context.state === "suspended") context.resume().catch(() => {});
  return () => {
    clearInterval(timer);
    source.disconnect();
    context.close().catch(() => {});
  };
}

export function formatBytes(bytes) {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export function formatClock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
