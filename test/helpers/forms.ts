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

/** The visible text of an HTML page: tags, scripts and styles removed, entities decoded. */
export function pageText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}
