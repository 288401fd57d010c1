// A field marked data-select-on-focus selects its whole value when focused (a link to copy).
for (const field of document.querySelectorAll("[data-select-on-focus]")) {
  field.addEventListener("focus", () => field.select());
}
