import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { attrs, escapeHtml, Html, html } from './html.ts';

const entities = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" } as const;
const unescape = (text: string) => text.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => entities[entity as keyof typeof entities]);
/** No character that could open a tag, end an attribute or start an entity other than the five written here. */
const isInert = (text: string) => !/[<>"']/.test(text) && !/&(?!(?:amp|lt|gt|quot|#39);)/.test(text);

describe('escapeHtml', () => {
  it('writes each character that means something in HTML as an entity', () => {
    assert.equal(escapeHtml('&'), '&amp;');
    assert.equal(escapeHtml('<'), '&lt;');
    assert.equal(escapeHtml('>'), '&gt;');
    assert.equal(escapeHtml('"'), '&quot;');
    assert.equal(escapeHtml("'"), '&#39;');
    assert.equal(escapeHtml('<script>alert("x")</script>'), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  it('escapes an ampersand that already looks like an entity, so typed text shows as typed', () => {
    assert.equal(escapeHtml('&lt;b&gt; &amp; &#60;'), '&amp;lt;b&amp;gt; &amp;amp; &amp;#60;');
  });

  it('leaves every other character alone, Urdu and emoji included', () => {
    const text = 'بچہ محفوظ ہے۔ 100% safe = yes; `tick` / \\ 😀\n\t';
    assert.equal(escapeHtml(text), text);
  });
});

describe('html templates', () => {
  it('escape text between tags', () => {
    assert.equal(html`<p>${'<img src=x onerror=alert(1)>'}</p>`.value, '<p>&lt;img src=x onerror=alert(1)&gt;</p>');
  });

  it('escape a value inside a double- or single-quoted attribute, so it cannot close the attribute', () => {
    assert.equal(html`<a title="${'" onmouseover="steal()'}">`.value, '<a title="&quot; onmouseover=&quot;steal()">');
    assert.equal(html`<a title='${"' onmouseover='steal()"}'>`.value, "<a title='&#39; onmouseover=&#39;steal()'>");
  });

  it('insert Html fragments as they are, without escaping them twice', () => {
    const inner = html`<b>${'Tom & Jerry'}</b>`;
    assert.equal(html`<p>${inner}</p>`.value, '<p><b>Tom &amp; Jerry</b></p>');
    assert.equal(html`<div>${html`<p>${inner}</p>`}</div>`.value, '<div><p><b>Tom &amp; Jerry</b></p></div>');
    assert.equal(html`${new Html('<hr>')}`.value, '<hr>');
  });

  it('join arrays, nested ones too, escaping strings and keeping fragments', () => {
    const items = ['<a>', 'b&c'].map((item) => html`<li>${item}</li>`);
    assert.equal(html`<ul>${items}</ul>`.value, '<ul><li>&lt;a&gt;</li><li>b&amp;c</li></ul>');
    assert.equal(html`${['<', [html`<br>`, ['>', null]], false]}`.value, '&lt;<br>&gt;');
    assert.equal(html`<ul>${[]}</ul>`.value, '<ul></ul>');
  });

  it('render null, undefined and false as nothing, but true, 0 and other numbers as text', () => {
    assert.equal(html`[${null}|${undefined}|${false}]`.value, '[||]');
    assert.equal(html`[${true}|${0}|${-1.5}|${''}]`.value, '[true|0|-1.5|]');
  });

  it('keep the template itself as written, and give the markup when turned into a string', () => {
    const page = html`<p class="note">${'x'}</p>`;
    assert.equal(`${page}`, '<p class="note">x</p>');
    assert.equal(String(html`<br>`), '<br>');
  });
});

describe('attrs', () => {
  it('writes true as a bare attribute, leaves out false and undefined, and escapes values', () => {
    const written = attrs({ required: true, disabled: false, placeholder: undefined, value: '"><script>', maxlength: 20 });
    assert.equal(written.value, ' required value="&quot;&gt;&lt;script&gt;" maxlength="20"');
    assert.equal(html`<input${written}>`.value, '<input required value="&quot;&gt;&lt;script&gt;" maxlength="20">');
  });

  it('writes nothing for an empty map', () => {
    assert.equal(attrs({}).value, '');
  });
});

describe('escaping any string', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.string({ unit: fc.constantFrom('&', '<', '>', '"', "'", 'a', ';', '#', 'l', 't') }),
  );

  it('leaves no raw <, >, quote or stray & and loses nothing', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const escaped = escapeHtml(text);
        assert.ok(isInert(escaped), escaped);
        assert.equal(unescape(escaped), text);
        assert.equal(html`${text}`.value, escaped);
        assert.equal(attrs({ value: text }).value, ` value="${escaped}"`);
      }),
    );
  });

  it('escapes once however deep the fragments nest', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 1, max: 5 }), (text, depth) => {
        let fragment = html`${text}`;
        for (let i = 1; i < depth; i++) fragment = html`${fragment}`;
        assert.equal(fragment.value, escapeHtml(text));
      }),
    );
  });
});
