// Progressive enhancement: a print button where JavaScript runs (the page works without it).
for (const button of document.querySelectorAll('.print-button')) {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
}
