// Forms with a growing list of rows (a Django formset): "Add" appends an empty row from
// a <template> holding the formset's empty_form, numbered by TOTAL_FORMS, up to its max.
//
//   <div data-formset-rows="template-id" data-total="id_prefix-TOTAL_FORMS" data-max="60">
//   <template id="template-id">... __prefix__ ... __number__ ...</template>
//   <button type="button" data-add-row="rows-element-id" hidden>Add</button>
//   <p data-no-script-help>shown only without this script</p>
//   <p role="status" data-rows-status="rows-element-id"></p>
for (const button of document.querySelectorAll("button[data-add-row]")) {
  const rows = document.getElementById(button.dataset.addRow);
  const template = rows && document.getElementById(rows.dataset.formsetRows);
  const total = rows && document.getElementById(rows.dataset.total);
  if (!rows || !template || !total) continue;
  const status = document.querySelector(`[data-rows-status="${rows.id}"]`);
  const max = Number(rows.dataset.max);
  const refresh = () => {
    button.disabled = Number(total.value) >= max;
  };
  button.hidden = false;
  rows.parentElement.querySelector("[data-no-script-help]")?.remove();
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
    added.querySelector("input, textarea, select")?.focus();
    if (status) status.textContent = added.querySelector("legend")?.textContent.trim() ?? "";
    refresh();
  });
}
