import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { commandLine } from '../../src/domain/actor.ts';
import { maxBulkQueries } from '../../src/domain/signals.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { forEachEngine } from '../helpers/database.ts';

forEachEngine('errors: answered once, each part in its own form', (engine) => {
  let t: TestApp;
  let key: string;

  before(async () => {
    t = await testApp(engine);
    key = (await t.services.apiKeys.create(commandLine, 'platform', ['test'])).secret;
  });
  after(() => t.close());

  const match = (url: string, payload: unknown) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      payload: JSON.stringify(payload),
    });
  const problems = (body: unknown) => (body as { errors: { field: string; problem: string; message: string }[] }).errors;

  test("the matching API's own messages reach the platform's engineer", async () => {
    const badPdq = await match('/api/v1/match', { pdq: 'f'.repeat(63) });
    assert.equal(badPdq.statusCode, 400);
    assert.match(String(badPdq.headers['content-type']), /application\/json/);
    assert.deepEqual(problems(badPdq.json()), [{ field: 'pdq', problem: 'invalid', message: 'must be 64 hexadecimal digits' }]);

    const badMd5 = await match('/api/v1/match', { md5: 'not a hash' });
    assert.deepEqual(problems(badMd5.json()), [{ field: 'md5', problem: 'invalid', message: 'must be 32 hexadecimal digits' }]);

    const tooMany = await match('/api/v1/match/bulk', {
      queries: Array.from({ length: maxBulkQueries + 1 }, () => ({ md5: '0'.repeat(32) })),
    });
    assert.equal(tooMany.statusCode, 400);
    assert.deepEqual(problems(tooMany.json()), [{ field: 'queries', problem: 'invalid', message: `at most ${maxBulkQueries} queries` }]);
  });

  test('an image that does not decode is refused with its own code, from the one error type', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3a6' } })
      .png()
      .toBuffer();
    const hash = (image: Buffer) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/hash',
        headers: { 'content-type': 'image/png', authorization: `Bearer ${key}` },
        payload: image,
      });
    const truncated = await hash(png.subarray(0, png.length - 20));
    assert.equal(truncated.statusCode, 422);
    assert.equal(truncated.json().error.code, 'image_truncated');
    const unreadable = await hash(Buffer.from('not an image at all'));
    assert.equal(unreadable.statusCode, 422);
    assert.equal(unreadable.json().error.code, 'image_unreadable');
  });

  test('problems a schema names with a key are still translated for the caller', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/follow-up',
      headers: { 'content-type': 'application/json', 'accept-language': 'ur' },
      payload: JSON.stringify({}),
    });
    assert.equal(response.statusCode, 400);
    const [issue] = problems(response.json());
    assert.equal(issue?.field, 'receipt');
    assert.equal(issue?.problem, 'required');
    assert.ok(issue?.message && !/[a-z]/i.test(issue.message), `an Urdu message: ${issue?.message}`);
  });

  test('the API answers in JSON, the public pages and the console in their own layouts', async () => {
    const apiMissing = await t.app.inject('/api/v1/nothing-here');
    assert.equal(apiMissing.statusCode, 404);
    assert.deepEqual(apiMissing.json(), { error: { code: 'not_found', message: 'Not found.' } });

    const release = await t.app.inject('/api/v1/statistics/releases/999');
    assert.equal(release.statusCode, 404);
    assert.equal(release.json().error.code, 'not_found');

    const page = await t.app.inject('/ur/statistics?release=999');
    assert.equal(page.statusCode, 404);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /<html[^>]* lang="ur"/);

    const signedOut = await t.app.inject('/console/ur/');
    assert.equal(signedOut.statusCode, 303);
    assert.equal(signedOut.headers.location, '/console/ur/sign-in');
  });
});
