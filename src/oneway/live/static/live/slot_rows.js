// The slot offer form: "Add a range" appends an empty row from the formset's template
// (Django's empty_form, numbered by TOTAL_FORMS), up to the formset's maximum.
const rows = document.querySelector("[data-slot-rows]");
const button = document.querySelector("[data-add-slot-range]");
const template = document.getElementById("slot-range-template");
if (rows && button && template) {
  const total = document.getElementById(rows.dataset.total);
  const status = document.querySelector("[data-slot-rows-status]");
  const max = Number(rows.dataset.max);
  const refresh = () => {
    button.disabled = Number(total.value) >= max;
  };
  button.hidden = false;
  document.querySelector("[data-no-script-help]")?.remove();
  refresh();
  button.addEventListener("click", () => {
    const index = Number(total.value);
    if (index >= max) return;
    const html = template.innerHTML
      .replaceAll("__prefix__", String(index))
      .replaceAll("__number__", String(index + 1));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const added = rows.lastElementChild;
    added.querySelector("input")?.focus();
    if (status) status.textContent = added.querySelector("legend")?.textContent.trim() ?? "";
    refresh();
  });
}
