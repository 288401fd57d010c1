// Preselect the visitor's own time zone on the apply page (they can still change it).
const select = document.getElementById("id_timezone");
if (select && !select.value) {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && [...select.options].some((option) => option.value === zone)) {
      select.value = zone;
    }
  } catch {
    // No Intl time zone support: the visitor chooses.
  }
}
