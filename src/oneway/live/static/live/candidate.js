// Candidate's live interview page.
// 1. Offer to show times in the zone the device is set to, when it differs.
// 2. Reload when the meeting link becomes visible, so the join button appears by itself.

const suggest = document.getElementById("tz-suggest");
if (suggest) {
  let device = "";
  try {
    device = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    device = "";
  }
  if (device && device !== suggest.dataset.current) {
    const url = new URL(window.location.href);
    url.searchParams.set("tz", device);
    const link = document.createElement("a");
    link.href = url.pathname + url.search;
    link.textContent = suggest.dataset.label.replace("%(zone)s", device);
    suggest.append(link);
    suggest.hidden = false;
  }
}

const wait = document.getElementById("link-wait");
if (wait) {
  const seconds = Number(wait.dataset.seconds);
  // Browsers cap timers at about 24.8 days; beyond that a later visit shows the link anyway.
  if (Number.isFinite(seconds) && seconds >= 0 && seconds < 2_000_000) {
    window.setTimeout(() => window.location.reload(), (seconds + 1) * 1000);
  }
}
