// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Preselect the browser's time zone on forms that ask for one.
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  document.querySelectorAll("select[data-detect-timezone]").forEach((select) => {
    if (zone && [...select.options].some((option) => option.value === zone)) {
      select.value = zone;
    }
  });
  // A "Print" button (the printable plan); the browser's own Print works too.
  document.querySelectorAll("button[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
});

// The units the minutes spent give (close and contact forms): the page shows
// the server's figure; this recomputes it as the coach types.
document.addEventListener("DOMContentLoaded", () => {
  const preview = document.querySelector("[data-unit-preview]");
  const input = preview && preview.closest("form")?.querySelector("[data-minutes-spent]");
  if (!input) return;
  const size = Number(preview.dataset.unitSize);
  const threshold = Number(preview.dataset.unitThreshold);
  const text = preview.querySelector("[data-unit-text]");
  input.addEventListener("input", () => {
    const minutes = Number.parseInt(input.value, 10);
    if (!Number.isInteger(minutes) || minutes <= 0) {
      text.textContent = "Enter the minutes spent";
      return;
    }
    const units = Math.floor(minutes / size) + (minutes % size >= threshold ? 1 : 0);
    text.textContent = `${minutes} minutes = ${units} unit${units === 1 ? "" : "s"}`;
  });
});
