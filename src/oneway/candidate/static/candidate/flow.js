// What every candidate page shares: which tab holds the interview, and the uploads an
// earlier page left in this browser (shown with what is left and a retry button).
import { ChunkStore, formatBytes, postJSON, resumePending } from "./recorder.js";

export function readJSON(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}

export const strings = readJSON("candidate-strings") || {};
export const flow = readJSON("candidate-flow") || {};

/** The strings for one answer: an audio answer never mentions a camera (keys ending in
 *  "Audio" replace theirs) and the practice is never said to be sent ("Practice"). */
export function stringsFor({ kind = "video", practice = false } = {}) {
  const chosen = { ...strings };
  for (const [suffix, applies] of [
    ["Audio", kind === "audio"],
    ["Practice", practice],
  ]) {
    if (!applies) continue;
    for (const key of Object.keys(strings)) {
      if (key.endsWith(suffix)) chosen[key.slice(0, -suffix.length)] = strings[key];
    }
  }
  return chosen;
}

export function format(template, values) {
  return String(template).replace(/%\((\w+)\)s/g, (match, name) => (name in values ? values[name] : match));
}

function randomId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** This tab's id: kept across reloads and pages (sessionStorage), but a duplicated tab,
 *  which copies sessionStorage, notices its twin and takes a new one. */
async function tabId() {
  let id = sessionStorage.getItem("oneway-tab");
  if (!id) {
    id = randomId();
    sessionStorage.setItem("oneway-tab", id);
  }
  if (typeof BroadcastChannel !== "function") return id;
  const channel = new BroadcastChannel("oneway-tabs");
  const twin = await new Promise((resolve) => {
    channel.onmessage = (event) => {
      if (event.data && event.data.type === "here" && event.data.id === id) resolve(true);
    };
    channel.postMessage({ type: "who", id });
    setTimeout(() => resolve(false), 150);
  });
  if (twin) {
    id = randomId();
    sessionStorage.setItem("oneway-tab", id);
  }
  channel.onmessage = (event) => {
    if (event.data && event.data.type === "who" && event.data.id === id) channel.postMessage({ type: "here", id });
    if (event.data && event.data.type === "claimed" && event.data.id !== id) tabChannelListeners.forEach((fn) => fn());
  };
  tabChannel = channel;
  return id;
}

let tabChannel = null;
const tabChannelListeners = [];

const HEARTBEAT_MS = 10000;

/** Holds the interview for this tab. `ready` resolves once this tab holds it (at once, or
 *  after the candidate chose to continue here); `onLost` runs when another tab took over. */
export class TabGuard {
  constructor({ onLost } = {}) {
    this.onLost = onLost || (() => {});
    this.notice = document.getElementById("tab-notice");
    this.ready = new Promise((resolve) => (this._ready = resolve));
    this.held = false;
  }

  async start() {
    this.id = await tabId();
    document.querySelectorAll('input[name="tab"]').forEach((input) => (input.value = this.id));
    if (this.notice) {
      this.notice.querySelector("button").addEventListener("click", () => this.claim(true));
    }
    // Another tab of this browser took over: learn it now, not at the next heartbeat.
    tabChannelListeners.push(() => this.claim(false));
    await this.claim(false);
    this._timer = setInterval(() => this.claim(false), HEARTBEAT_MS);
    return this;
  }

  async claim(takeover) {
    let result;
    try {
      result = await postJSON(flow.tabUrl, { tab: this.id, takeover });
    } catch (error) {
      return; // offline: keep going; the server decides at the next heartbeat
    }
    if (result.ok) {
      if (takeover && tabChannel) tabChannel.postMessage({ type: "claimed", id: this.id });
      if (this.lost && takeover) {
        location.reload(); // back from paused: start again from the server's state
        return;
      }
      this.held = true;
      this._show(false);
      this._ready();
      return;
    }
    if (result.status === 409 && result.body.code === "other_tab") {
      const wasHeld = this.held;
      this.held = false;
      this.lost = this.lost || wasHeld;
      this._show(true, wasHeld ? strings.tabLost : result.body.error);
      if (wasHeld) this.onLost();
    }
  }

  _show(visible, message) {
    if (!this.notice) return;
    this.notice.hidden = !visible;
    if (visible) {
      this.notice.querySelector("p").textContent = message || "";
      this.notice.querySelector("button").focus();
    }
  }
}

/** The list of takes still uploading from earlier pages, with a retry button. */
export class PendingList {
  constructor(element) {
    this.element = element;
    this.items = new Map();
    if (element) {
      this.list = element.querySelector("ul");
      this.status = element.querySelector(".pending-status");
      element.querySelector("button").addEventListener("click", () => {
        this.items.forEach((item) => item.upload && item.upload.retry());
      });
    }
  }

  set(record, fields) {
    const item = { ...(this.items.get(record.key) || { record }), ...fields };
    this.items.set(record.key, item);
    this.render();
  }

  remove(key) {
    this.items.delete(key);
    this.render();
  }

  render() {
    if (!this.element) return;
    this.element.hidden = this.items.size === 0;
    this.list.replaceChildren();
    let waiting = false;
    for (const item of this.items.values()) {
      const li = document.createElement("li");
      const left = Math.max(0, (item.produced ?? item.record.produced) - (item.acknowledged ?? item.record.acknowledged ?? 0));
      let text = format(strings.pendingItem, { label: item.record.label, size: formatBytes(left) });
      if (item.state === "busy") text = format(strings.pendingBusy, { label: item.record.label });
      if (item.error) text += " " + item.error;
      if (item.state === "waiting") waiting = true;
      li.textContent = text;
      this.list.append(li);
    }
    this.status.textContent = waiting ? (navigator.onLine === false ? strings.offline : strings.retrying) : "";
  }
}

/** Pick up what earlier pages left in this browser; `extra` handlers are called as well. */
export async function resumeEarlierUploads({ store, pending, extra = {}, lookupUploadUrl }) {
  const handlers = {
    onInterrupted: async (record) => {
      if (record.purpose === "answer" && flow.takesBase) {
        await postJSON(`${flow.takesBase}${record.id}/stop/`, {
          durationMs: record.durationMs,
          mimeType: record.mimeType,
          interrupted: true,
        }).catch(() => {});
      }
      if (extra.onInterrupted) extra.onInterrupted(record);
    },
    onTake: (record, upload) => {
      pending.set(record, { upload, produced: record.produced, acknowledged: record.acknowledged || 0 });
      if (extra.onTake) extra.onTake(record, upload);
    },
    onBusy: (record) => pending.set(record, { state: "busy" }),
    onProgress: (record, progress) => pending.set(record, { ...progress, state: "uploading", error: "" }),
    onWaiting: (record) => pending.set(record, { state: "waiting" }),
    onError: (record, error) => {
      if (error.permanent) pending.set(record, { state: "failed", error: error.message || strings.uploadFailed });
    },
    onSaved: (record) => {
      pending.remove(record.key);
      if (extra.onSaved) extra.onSaved(record);
    },
  };
  return resumePending({ store, scope: flow.scope, headers: { "X-Oneway-Tab": sessionStorage.getItem("oneway-tab") || "" }, handlers, lookupUploadUrl });
}

export async function lookupUploadUrl(record) {
  if (record.purpose !== "answer" || !flow.takesBase) return "";
  const response = await fetch(`${flow.takesBase}${record.id}/`, { credentials: "same-origin" });
  if (!response.ok) return "";
  const body = await response.json();
  return body.take && body.take.uploadUrl ? new URL(body.take.uploadUrl, location.href).href : "";
}

/** For pages without a recorder (landing, submit): the tab guard and pending uploads. */
export async function initFlowPage() {
  const store = await ChunkStore.open();
  const pending = new PendingList(document.getElementById("pending"));
  if (flow.tabUrl) await new TabGuard().start();
  await resumeEarlierUploads({ store, pending, lookupUploadUrl });
  document.documentElement.dataset.candidateReady = "1";
  return { store, pending };
}
