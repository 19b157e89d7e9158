// Council pages: the print button (no inline script under the CSP).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});

// A form re-shown with its errors (HTTP 400): bring it into view and put the cursor on the
// first marked field, so the recorder sees at once which agenda item and which number is wrong.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-has-errors]");
  if (!form) return;
  form.scrollIntoView({ block: "center" });
  const field = form.querySelector("[aria-invalid=true]") || form.querySelector("input:not([type=hidden]), textarea, select");
  if (field) field.focus({ preventScroll: true });
});
