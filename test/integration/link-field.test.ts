import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { en } from '../../src/http/i18n/en.ts';
import { ur } from '../../src/http/i18n/ur.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { forEachEngine } from '../helpers/database.ts';
import { formEncode, formHeaders } from '../helpers/forms.ts';

// A number typed as a link used to be stored as an IP address (`0xffffffff` as 255.255.255.255).
forEachEngine('the link field takes only links', (engine) => {
  let t: TestApp;
  before(async () => {
    t = await testApp(engine);
  });
  after(() => t.close());

  test('API: a number as a link is answered 400 with the problem, and nothing is stored', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      payload: { kind: 'online_material', language: 'en', urls: ['0xffffffff'], reporterRelationship: 'self' },
    });
    assert.equal(response.statusCode, 400, response.body);
    const { errors } = response.json<{ errors: { field: string; problem: string; message: string }[] }>();
    assert.deepEqual(errors, [{ field: 'urls.0', problem: 'invalid_url', message: en.problems.invalid_url }]);
  });

  test('the Urdu form comes back with the Urdu message beside the link, the typed value kept', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/ur/report',
      headers: formHeaders,
      payload: formEncode({ language: 'ur', kind: 'online_material', urls: '0xffffffff', reporterRelationship: 'self' }),
    });
    assert.equal(response.statusCode, 400);
    assert.ok(response.body.includes('value="0xffffffff"'), 'the typed link is kept');
    assert.ok(response.body.includes(`<p class="error" id="f-urls-0-error">${ur.problems.invalid_url}</p>`), 'Urdu message by the field');
  });

  test('a link pasted inside Urdu punctuation is taken', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/reports',
      payload: { kind: 'online_material', language: 'ur', urls: ['«www.example.com/v?id=7»۔'], reporterRelationship: 'self' },
    });
    assert.equal(response.statusCode, 201, response.body);
  });
});
