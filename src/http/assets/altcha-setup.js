// Progressive enhancement of the report form: while the person types, the ALTCHA widget solves a
// small proof of work from Hifazat's own challenge URL in a Web Worker and adds it to the form,
// so the report does not count against the shared budget for reports without one. Everything is
// served by Hifazat itself; without JavaScript the form works as before.
const slot = document.querySelector('[data-pow-challenge]');
if (slot) {
  // The widget's stylesheet is added here, so the page without JavaScript does not download it.
  document.head.append(
    Object.assign(document.createElement('link'), { rel: 'stylesheet', href: '/assets/vendor/altcha/external/altcha.css' }),
  );
  await import('/assets/vendor/altcha/external/altcha.min.js');
  const lang = document.documentElement.lang;
  if (lang === 'ur') await import('/assets/vendor/altcha/i18n/ur.js');
  globalThis.$altcha.algorithms.set('SHA-256', () => new Worker('/assets/vendor/altcha/workers/sha.js'));
  // Created only now, so that it starts after its worker is registered.
  const widget = document.createElement('altcha-widget');
  widget.setAttribute('challenge', slot.dataset.powChallenge);
  widget.setAttribute('auto', 'onload');
  widget.setAttribute('name', 'altcha');
  widget.setAttribute('language', lang);
  widget.setAttribute('configuration', JSON.stringify({ hideLogo: true, hideFooter: true }));
  slot.append(widget);
}
