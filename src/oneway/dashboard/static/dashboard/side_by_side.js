// Side by side: mark the answer that is playing (or was last moved to) so the grid
// shows which one has the sound. Playback and keys are review_page.js's.
const grid = document.querySelector("[data-side-by-side]");
if (grid) {
  const cells = [...grid.querySelectorAll("[data-answer-section]")];
  const mark = (cell) => {
    for (const other of cells) other.classList.toggle("is-active", other === cell);
  };
  for (const cell of cells) {
    const media = cell.querySelector("video, audio");
    if (media) media.addEventListener("play", () => mark(cell));
    cell.addEventListener("focusin", () => mark(cell));
  }
}
