// "Copy" buttons: <button data-copy="id-of-a-field" hidden> next to a read-only field.
// The button is shown only where this script runs; the field stays selectable without it.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.copyStatus);
  if (!field) continue;
  button.hidden = false;
  field.addEventListener("focus", () => field.select());
  button.addEventListener("click", async () => {
    let copied = false;
    try {
      await navigator.clipboard.writeText(field.value);
      copied = true;
    } catch {
      field.select();
      copied = document.execCommand("copy");
    }
    if (status) status.textContent = copied ? button.dataset.copied : button.dataset.copyFailed;
  });
}
