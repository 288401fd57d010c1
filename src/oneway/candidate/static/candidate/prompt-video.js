// A question asked on video: the thinking time starts when the video ends (or when the
// candidate chooses "I am ready"): either one reveals the question to the server, which
// notes the time its countdown starts from.
const form = document.getElementById("prompt-ready-form");
const player = document.getElementById("prompt-video-player");

if (form && player) {
  player.addEventListener("ended", () => {
    const button = document.getElementById("prompt-ready");
    if (button.disabled) return;
    button.disabled = true;
    // requestSubmit keeps the form's own checks and submit listeners (the tab guard).
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  });
  form.addEventListener("submit", () => {
    player.pause();
  });
}
