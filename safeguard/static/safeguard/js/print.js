// The governors' report's "Print" button: shown only when this script runs (no inline script: CSP).
document.querySelectorAll("[data-sg-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
