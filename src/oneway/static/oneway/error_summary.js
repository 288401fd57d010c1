// The error summary (GOV.UK pattern): after a failed submit, focus moves to the summary at
// the top of the page, so a phone user sees what went wrong, not a page that seems to
// ignore them; each link in it moves focus to the field and shows the field's label.
const summary = document.querySelector(".error-summary");
if (summary) {
  if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
  summary.focus();
  summary.scrollIntoView({ block: "start" });
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    if (!link) return;
    const field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) return;
    event.preventDefault();
    const label = document.querySelector(`label[for="${CSS.escape(field.id)}"]`);
    const fieldset = field.closest("fieldset");
    const shown = (fieldset && fieldset.querySelector("legend")) || label || field;
    shown.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  });
}
