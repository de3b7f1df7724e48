import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { abuserRelationships, places, provinces } from '../../src/domain/report.ts';
import { testApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
before(async () => {
  t = await testApp('pglite');
});
after(() => t.close());

test('the OpenAPI document describes the endpoints with the schemas that validate them', async () => {
  const response = await t.app.inject('/api/v1/openapi.json');
  assert.equal(response.statusCode, 200);
  const doc = response.json();
  assert.equal(doc.openapi, '3.1.0');
  for (const path of ['/api/v1/reports', '/api/v1/follow-up', '/api/v1/follow-up/messages', '/healthz', '/readyz']) {
    assert.ok(doc.paths[path], path);
  }
  const report = doc.paths['/api/v1/reports'].post.requestBody.content['application/json'].schema;
  assert.deepEqual(report.required?.sort(), ['kind', 'language']);
  assert.equal(report.additionalProperties, false, 'unknown fields are refused, and the document says so');
  assert.deepEqual(report.properties.province.enum, [...provinces, 'unknown']);
  assert.deepEqual(report.properties.abuserRelationship.enum, [...abuserRelationships, 'unknown']);
  assert.deepEqual(report.properties.place.enum, [...places, 'unknown']);
  assert.equal(report.properties.urls.type, 'array');
});

test('health: the process is up, and ready when its database answers', async () => {
  assert.deepEqual((await t.app.inject('/healthz')).json(), { status: 'ok' });
  assert.deepEqual((await t.app.inject('/readyz')).json(), { status: 'ready' });
});

test('readiness fails with 503 when the database does not answer', async () => {
  const broken = await testApp('pglite');
  await broken.database.close();
  const response = await broken.app.inject('/readyz');
  assert.equal(response.statusCode, 503);
  assert.deepEqual(response.json(), { status: 'unavailable' });
  assert.deepEqual((await broken.app.inject('/healthz')).json(), { status: 'ok' });
  await broken.app.close();
});
