// Small conveniences for browsers with JavaScript; every page works without them.

// Choosing a language in the header applies it at once. Arrow keys on a closed drop-down
// also fire `change`, so after a key press the button applies it instead: a keyboard user
// can step through the languages without leaving the page at each step.
(() => {
  const select = document.getElementById("site-language");
  if (!select || !select.form) return;
  let byKeyboard = false;
  select.addEventListener("keydown", () => { byKeyboard = true; });
  select.addEventListener("pointerdown", () => { byKeyboard = false; });
  select.addEventListener("change", () => {
    if (!byKeyboard) select.form.requestSubmit();
  });
})();

// A label marked `data-drop-target` takes a file dropped on it into its file input, so the
// whole box is a drop target, not only the small input.
(() => {
  const zones = document.querySelectorAll("label[data-drop-target]");
  if (zones.length === 0) return;
  for (const zone of zones) {
    const input = document.getElementById(zone.htmlFor);
    if (!input) continue;
    const over = (on) => zone.classList.toggle("drop-over", on);
    zone.addEventListener("dragenter", (e) => { e.preventDefault(); over(true); });
    zone.addEventListener("dragover", (e) => {
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
      over(true);
    });
    zone.addEventListener("dragleave", () => over(false));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      over(false);
      if (e.dataTransfer.files.length === 0) return;
      input.files = e.dataTransfer.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }
  // A file dropped just beside the box must not replace the page with the file.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
})();
