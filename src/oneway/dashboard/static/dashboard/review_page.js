// The candidate review, compare and share pages: the player, ratings saved as you
// choose them, and the decision email preview.
import { ReviewPage, announce } from "./review_player.js";

document.documentElement.classList.add("js");
const page = new ReviewPage(document);
window.reviewPage = page;

for (const form of document.querySelectorAll("[data-rating-form]")) {
  const status = form.querySelector("[data-rating-status]");
  form.addEventListener("change", async (event) => {
    if (event.target.name !== "score") return;
    status.textContent = "…";
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const data = await response.json();
      if (!response.ok || !data.ok) {
        const errors = Object.values(data.errors || {}).flat();
        status.textContent = errors.join(" ") || "Not saved.";
        return;
      }
      status.textContent = `Saved: ${data.score}`;
      form.dataset.saved = data.score;
      announce(status.textContent);
      const progress = document.querySelector("[data-rating-progress]");
      if (progress && data.rated !== undefined && progress.dataset.template) {
        progress.textContent = progress.dataset.template.replace("%s", data.rated);
      }
      const next = document.querySelector("[data-next-after-rating]");
      if (next) next.focus();
    } catch {
      status.textContent = "Not saved: connection problem. Try again.";
    }
  });
}

const decisionForm = document.querySelector("[data-decision-form]");
if (decisionForm) {
  const previews = [...decisionForm.querySelectorAll("[data-email-preview]")];
  const notify = decisionForm.querySelector("input[name=notify]");
  const update = () => {
    const chosen = decisionForm.querySelector("input[name=status]:checked");
    for (const preview of previews) {
      preview.hidden = !(notify && notify.checked && chosen && chosen.value === preview.dataset.emailPreview);
    }
  };
  decisionForm.addEventListener("change", update);
  update();
}
