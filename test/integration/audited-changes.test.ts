import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { commandLine, type StaffActor } from '../../src/domain/actor.ts';
import type { AuditAction } from '../../src/domain/audit-actions.ts';
import { createServices, type Services } from '../../src/services/index.ts';
import { Keyring } from '../../src/services/keys.ts';
import type { Database } from '../../src/store/database.ts';
import { forEachEngine, testDatabase } from '../helpers/database.ts';

/** Bank imports, added entries and API keys are audited, with identifiers and counts, never signals or secrets. */
forEachEngine('audited bank and API-key changes', (engine) => {
  let database: Database;
  let services: Services;
  before(async () => {
    database = await testDatabase(engine);
    services = createServices(database, new Keyring(randomBytes(32)));
  });
  after(() => database.close());

  const entries = async (action: AuditAction) => (await services.audit.list({ limit: 500, action })).reverse();
  const pdq = (digit: string) => digit.repeat(64);
  const md5 = 'a'.repeat(32);
  const supervisor: StaffActor = { id: randomUUID(), email: 'supervisor@hotline.example.org', role: 'supervisor' };

  test('creating a bank, importing into it and adding an entry are audited as who did it, with counts and no signals', async () => {
    const bankId = await services.banks.create(commandLine, 'audited', 'from a test');
    await assert.rejects(services.banks.create(commandLine, 'audited'), { code: 'validation_failed' });
    const [created, ...more] = await entries('bank.create');
    assert.deepEqual(more, [], 'a refused create records nothing');
    assert.deepEqual(
      {
        actorId: created!.actorId,
        actor: created!.actor,
        objectType: created!.objectType,
        objectId: created!.objectId,
        details: created!.details,
      },
      { actorId: null, actor: 'cli', objectType: 'bank', objectId: bankId, details: { name: 'audited' } },
    );

    const file = [
      'signal_type,signal,quality,label,source',
      `pdq,${pdq('1')},90,one,test`,
      `md5,${md5},,two,test`,
      'pdq,not-a-hash,,bad,test',
    ].join('\n');
    const first = await services.banks.import(commandLine, 'audited', file, 'a file');
    assert.deepEqual([first.added, first.alreadyPresent, first.problems.length], [2, 0, 1]);
    await services.banks.import(commandLine, 'audited', file);
    const imports = await entries('bank.import');
    assert.deepEqual(
      imports.map((e) => [e.actor, e.objectType, e.objectId, e.details]),
      [
        ['cli', 'bank', bankId, { layout: first.layout, added: 2, alreadyPresent: 0, refused: 1 }],
        ['cli', 'bank', bankId, { layout: first.layout, added: 0, alreadyPresent: 2, refused: 1 }],
      ],
    );

    const entryId = await services.banks.add(supervisor, 'audited', {
      signal: { type: 'pdq', value: pdq('2') },
      quality: 100,
      label: 'added',
      source: null,
    });
    assert.equal(
      await services.banks.add(supervisor, 'audited', {
        signal: { type: 'pdq', value: pdq('2') },
        quality: 100,
        label: 'again',
        source: null,
      }),
      undefined,
    );
    const added = await entries('bank_entry.add');
    assert.deepEqual(
      added.map((e) => [e.actorId, e.actor, e.objectType, e.objectId, e.details]),
      [[supervisor.id, supervisor.email, 'bank_entry', String(entryId), { bankId }]],
      'an entry already in the bank records nothing',
    );

    const everything = JSON.stringify(await services.audit.list({ limit: 500 }));
    for (const signal of [pdq('1'), md5, pdq('2')]) assert.ok(!everything.includes(signal), 'no signal in the audit log');
  });

  test('creating and revoking an API key are audited, without the secret; the chain still verifies', async () => {
    const bankId = (await services.banks.byName('audited')).id;
    const { id, secret } = await services.apiKeys.create(commandLine, 'platform x', ['audited'], ['match']);
    const [created] = await entries('api_key.create');
    assert.deepEqual(
      [created!.actorId, created!.actor, created!.objectType, created!.objectId, created!.details],
      [null, 'cli', 'api_key', id, { name: 'platform x', bankIds: [bankId], scopes: ['match'] }],
    );
    assert.ok(!JSON.stringify(created).includes(secret.slice(3)), 'no secret in the audit log');

    await services.apiKeys.revoke(supervisor, id);
    assert.equal(await services.apiKeys.authenticate(secret), undefined);
    await services.apiKeys.revoke(commandLine, randomUUID());
    const revoked = await entries('api_key.revoke');
    assert.deepEqual(
      revoked.map((e) => [e.actorId, e.actor, e.objectType, e.objectId, e.details]),
      [[supervisor.id, supervisor.email, 'api_key', id, { name: 'platform x' }]],
      'revoking a key that does not exist records nothing',
    );

    const verification = await services.audit.verify();
    assert.equal(verification.ok, true);
    assert.equal(verification.entries, (await services.audit.list({ limit: 500 })).length);
  });
});
