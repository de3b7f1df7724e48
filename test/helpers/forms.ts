/** Encodes a form as a browser does (application/x-www-form-urlencoded, repeated names for lists). */
export function formEncode(fields: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, v);
  }
  return params.toString();
}

export const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

/** The receipt code shown on a receipt page, without its spaces. */
export function receiptFromPage(html: string): string {
  const match = /<bdi dir="ltr" id="receipt-code">([\d ]+)<\/bdi>/.exec(html);
  if (!match) throw new Error('No receipt code on the page');
  return match[1]!.replace(/ /g, '');
}

/** The text of HTML's five escapes, as html.ts writes them (&amp; last, so that it is decoded once). */
const decodeEntities = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The visible text of an HTML page: tags, scripts and styles removed, entities decoded. */
export function pageText(html: string): string {
  return decodeEntities(html.replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

/** The hidden fields of the form on a page that posts to `action`, or undefined when the page has none. */
export function hiddenFieldsOfForm(html: string, action: string): Record<string, string> | undefined {
  for (const form of html.match(/<form\b[^>]*>[\s\S]*?<\/form>/gi) ?? []) {
    if (!new RegExp(`^<form\\b[^>]*\\saction="${action}"`, 'i').test(form)) continue;
    const fields: Record<string, string> = {};
    for (const input of form.match(/<input\b[^>]*type="hidden"[^>]*>/gi) ?? []) {
      const name = /\sname="([^"]*)"/.exec(input)?.[1];
      if (name) fields[name] = decodeEntities(/\svalue="([^"]*)"/.exec(input)?.[1] ?? '');
    }
    return fields;
  }
  return undefined;
}
