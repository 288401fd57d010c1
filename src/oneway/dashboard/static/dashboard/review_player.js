// Review player: speed, keyboard shortcuts, transcript with click-to-seek and the
// current word highlighted, comments that seek, fresh signed URLs when they expire.

const RATES = [0.75, 1, 1.25, 1.5, 1.75, 2];
const SKIP_SECONDS = 5;

function timeCode(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

function announce(text) {
  const region = document.querySelector("[data-announce]");
  if (region) region.textContent = text;
}

class AnswerPlayer {
  constructor(element, page) {
    this.element = element;
    this.page = page;
    this.media = element.querySelector("video, audio");
    this.section = element.closest("[data-answer-section]") || element.parentElement;
    this.answerId = element.dataset.answerId;
    this.transcript = this.section.querySelector("[data-transcript]");
    this.words = this.transcript
      ? [...this.transcript.querySelectorAll(".word")].map((node) => ({
          node,
          start: parseFloat(node.dataset.start),
          end: parseFloat(node.dataset.end),
        }))
      : [];
    this.current = null;
    this.lastPing = 0;
    this.refreshing = false;
    this.bind();
  }

  bind() {
    const media = this.media;
    media.addEventListener("play", () => {
      this.page.setActive(this);
      this.pingPlay();
      this.follow();
    });
    media.addEventListener("timeupdate", () => this.highlight());
    media.addEventListener("seeked", () => this.highlight());
    media.addEventListener("ratechange", () => {
      if (media.playbackRate !== this.page.rate) this.page.setRate(media.playbackRate, true);
    });
    media.addEventListener("error", () => this.refreshUrls());
    if (this.transcript) {
      this.transcript.addEventListener("click", (event) => {
        const target = event.target.closest(".word, [data-seek]");
        if (!target) return;
        const at = parseFloat(target.dataset.start ?? target.dataset.seek);
        if (!Number.isNaN(at)) this.seek(at, true);
      });
    }
    const useTime = this.section.querySelector("[data-use-current-time]");
    const timeInput = this.section.querySelector("[data-time-code]");
    if (useTime && timeInput) {
      useTime.addEventListener("click", () => {
        timeInput.value = timeCode(media.currentTime);
        timeInput.dispatchEvent(new Event("input"));
      });
    }
  }

  seek(seconds, play = false) {
    const media = this.media;
    const duration = Number.isFinite(media.duration) ? media.duration : Infinity;
    media.currentTime = Math.min(Math.max(0, seconds), duration);
    this.highlight();
    if (play) media.play().catch(() => {});
  }

  // Highlight while playing at display rate, not only at timeupdate's ~4 Hz.
  follow() {
    const step = () => {
      this.highlight();
      if (!this.media.paused && !this.media.ended) requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }

  highlight() {
    if (!this.words.length) return;
    const t = this.media.currentTime;
    let low = 0;
    let high = this.words.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (this.words[mid].start <= t) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    const word = found >= 0 && t < this.words[found].end + 0.25 ? this.words[found] : null;
    if (word === this.current) return;
    if (this.current) this.current.node.classList.remove("current");
    this.current = word;
    if (word) word.node.classList.add("current");
  }

  // Every play is audited (contract C); a pause-and-resume within seconds is the same play.
  pingPlay() {
    const url = this.element.dataset.playUrl;
    if (!url || Date.now() - this.lastPing < 5000) return;
    this.lastPing = Date.now();
    const body = new FormData();
    body.append("position", String(this.media.currentTime));
    fetch(url, {
      method: "POST",
      body,
      headers: { "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    }).catch(() => {
      this.lastPing = 0;
    });
  }

  // Signed URLs live a few minutes; ask for fresh ones and carry on where we were.
  async refreshUrls() {
    const url = this.element.dataset.refreshUrl;
    if (!url || this.refreshing) return;
    this.refreshing = true;
    const at = this.media.currentTime;
    const wasPlaying = !this.media.paused;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const urls = await response.json();
      if (urls.poster) this.media.poster = urls.poster;
      const track = this.media.querySelector("track");
      if (track && urls.captions) track.src = urls.captions;
      this.media.src = urls.rendition;
      this.media.addEventListener(
        "loadedmetadata",
        () => {
          this.media.playbackRate = this.page.rate;
          this.seek(at, wasPlaying);
        },
        { once: true },
      );
    } finally {
      setTimeout(() => {
        this.refreshing = false;
      }, 5000);
    }
  }
}

const EDITABLE = "input, textarea, select, [contenteditable=''], [contenteditable=true]";
const ACTIVATES_ON_SPACE = "button, a, summary, input, textarea, select, label";

export class ReviewPage {
  constructor(root = document) {
    this.root = root;
    this.players = [...root.querySelectorAll("[data-player]")].map(
      (element) => new AnswerPlayer(element, this),
    );
    this.active = this.players[0] || null;
    this.rateSelect = root.querySelector("[data-playback-rate]");
    this.rate = this.rateSelect ? parseFloat(this.rateSelect.value) || 1 : 1;
    this.savedRate = this.rate;
    const toolbar = root.querySelector("[data-review-toolbar]");
    this.preferencesUrl = toolbar ? toolbar.dataset.preferencesUrl : "";
    this.applyRate();
    if (this.rateSelect) {
      this.rateSelect.addEventListener("change", () =>
        this.setRate(parseFloat(this.rateSelect.value), true),
      );
    }
    root.addEventListener("click", (event) => this.onSeekLink(event));
    document.addEventListener("keydown", (event) => this.onKey(event));
  }

  setActive(player) {
    if (this.active && this.active !== player && !this.active.media.paused) {
      this.active.media.pause();
    }
    this.active = player;
  }

  applyRate() {
    for (const player of this.players) {
      player.media.defaultPlaybackRate = this.rate;
      player.media.playbackRate = this.rate;
    }
  }

  setRate(rate, remember) {
    const nearest = RATES.reduce((a, b) => (Math.abs(b - rate) < Math.abs(a - rate) ? b : a));
    if (nearest === this.rate) return;
    this.rate = nearest;
    if (this.rateSelect) this.rateSelect.value = String(nearest);
    this.applyRate();
    announce(`${nearest}×`);
    if (remember && this.preferencesUrl) this.saveRate();
  }

  // One save in flight at a time, the latest choice last: two quick changes
  // (">" then "<") must not reach the server in the other order.
  saveRate() {
    if (this.savingRate) return;
    const rate = this.rate;
    if (rate === this.savedRate) return;
    this.savingRate = true;
    fetch(this.preferencesUrl, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      credentials: "same-origin",
      body: JSON.stringify({ playback_rate: rate }),
    })
      .then((response) => {
        if (response.ok) this.savedRate = rate;
      })
      .catch(() => {})
      .finally(() => {
        this.savingRate = false;
        if (this.rate !== rate) this.saveRate();
      });
  }

  playerFor(answerId) {
    return this.players.find((player) => player.answerId === String(answerId)) || null;
  }

  onSeekLink(event) {
    const link = event.target.closest("[data-seek][data-answer]");
    if (!link) return;
    const player = this.playerFor(link.dataset.answer);
    if (!player) return;
    event.preventDefault();
    player.section.scrollIntoView({ block: "start" });
    player.seek(parseFloat(link.dataset.seek), true);
  }

  move(step) {
    if (!this.players.length) return;
    const index = this.active ? this.players.indexOf(this.active) : -1;
    const next = this.players[index + step];
    if (!next) return;
    const wasPlaying = this.active && !this.active.media.paused;
    this.setActive(next);
    next.section.scrollIntoView({ block: "start" });
    next.media.focus({ preventScroll: true });
    announce(next.section.querySelector("h2")?.textContent || "");
    if (wasPlaying) next.media.play().catch(() => {});
  }

  onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = event.target;
    if (target.closest && target.closest(EDITABLE)) return;
    const player = this.active;
    const key = event.key;
    if ((key === " " || key.startsWith("Arrow")) && target.closest(ACTIVATES_ON_SPACE)) return;
    let handled = true;
    if ((key === " " || key === "k") && player) {
      if (player.media.paused) player.media.play().catch(() => {});
      else player.media.pause();
    } else if ((key === "j" || key === "ArrowLeft") && player) {
      player.seek(player.media.currentTime - SKIP_SECONDS);
    } else if ((key === "l" || key === "ArrowRight") && player) {
      player.seek(player.media.currentTime + SKIP_SECONDS);
    } else if (key === "n") {
      this.move(1);
    } else if (key === "p") {
      this.move(-1);
    } else if (key === ">" || key === ".") {
      this.setRate(RATES[Math.min(RATES.indexOf(this.rate) + 1, RATES.length - 1)], true);
    } else if (key === "<" || key === ",") {
      this.setRate(RATES[Math.max(RATES.indexOf(this.rate) - 1, 0)], true);
    } else {
      handled = false;
    }
    if (handled) event.preventDefault();
  }
}

export { announce, csrfToken, timeCode };
