// Progressive enhancement: a print button where JavaScript runs (the page works without it). Its
// room is kept from the first paint (site.css), so showing it moves nothing on the page.
for (const button of document.querySelectorAll('.print-button')) {
  button.addEventListener('click', () => window.print());
  button.classList.add('ready');
}
