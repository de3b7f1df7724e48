import { html, type Html } from './html.ts';
import { layout, type PageContext } from './layout.ts';

export function landingPage(ctx: PageContext): Html {
  const l = ctx.t.landing;
  return layout(
    ctx,
    l.title,
    html`<h1>${l.title}</h1>
<p class="lead">${l.intro}</p>
<p class="actions"><a class="button" href="/${ctx.lang}/report">${l.reportButton}</a> <a class="button secondary" href="/${ctx.lang}/follow-up">${l.followUpButton}</a></p>
<section aria-labelledby="how"><h2 id="how">${l.howHeading}</h2><ol>${l.howSteps.map((s) => html`<li>${s}</li>`)}</ol></section>
<section aria-labelledby="next"><h2 id="next">${l.nextHeading}</h2><ol>${l.nextSteps.map((s) => html`<li>${s}</li>`)}</ol></section>
<section aria-labelledby="privacy"><h2 id="privacy">${l.privacyHeading}</h2><ul>${l.privacyPoints.map((s) => html`<li>${s}</li>`)}</ul></section>`,
  );
}

export function errorPage(ctx: PageContext, title: string, text: string): Html {
  return layout(ctx, title, html`<h1>${title}</h1><p>${text}</p><p><a href="/${ctx.lang}/">${ctx.t.errors.backHome}</a></p>`);
}
