// Live interview forms: show only the time fields that match the chosen way of scheduling.
const radios = document.querySelectorAll('input[name="scheduling"]');

function update() {
  const chosen = document.querySelector('input[name="scheduling"]:checked');
  const mode = chosen ? chosen.value : "";
  for (const [selector, wanted] of [[".live-when-fixed", "fixed"], [".live-when-slots", "slots"]]) {
    for (const block of document.querySelectorAll(selector)) {
      block.hidden = mode !== "" && mode !== wanted;
    }
  }
}

for (const radio of radios) radio.addEventListener("change", update);
update();
