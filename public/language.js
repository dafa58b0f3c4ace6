// With JavaScript, choosing a language in the header applies it at once. Arrow keys on a
// closed drop-down also fire `change`, so after a key press the button applies it instead:
// a keyboard user can step through the languages without leaving the page at each step.
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
