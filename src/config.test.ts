import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { help, startHelp } from './cli/help.ts';
import { configurationVariables, loadConfig } from './config.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The rows of the README's configuration table, as the schema's documentation would write them. */
function readmeRows(): string[] {
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  return section.split('\n').filter((line) => /^\| `/.test(line));
}

const tableRow = (v: { name: string; default: string | undefined; meaning: string }) =>
  `| \`${v.name}\` | ${v.default === undefined ? '—' : `\`${v.default}\``} | ${v.meaning} |`;

test('the README configuration table says what the schema declares: names, defaults and meanings, in order', () => {
  const declared = configurationVariables().map(tableRow);
  assert.deepEqual(readmeRows(), declared, `README.md, "Configuration", should have these rows:\n${declared.join('\n')}`);
});

test('the defaults shown are the ones loadConfig applies when nothing is set', () => {
  const defaults = Object.fromEntries(configurationVariables().map((v) => [v.name, v.default]));
  const config = loadConfig({});
  assert.equal(defaults.PORT, String(config.port));
  assert.equal(defaults.HOST, config.host);
  assert.equal(defaults.LOG_LEVEL, config.logLevel);
  assert.equal(defaults.DATABASE_POOL_SIZE, String(config.databasePoolSize));
  assert.equal(defaults.CLIENT_REPORTS_PER_HOUR, String(config.clientLimits.reportsPerHour));
  assert.equal(defaults.CLIENT_UNVERIFIED_REPORTS_PER_HOUR, String(config.clientLimits.unverifiedReportsPerHour));
  assert.equal(defaults.CLIENT_FOLLOW_UPS_PER_TEN_MINUTES, String(config.clientLimits.followUpsPerTenMinutes));
  assert.equal(defaults.MATCH_REQUESTS_PER_MINUTE, String(config.matchRequestsPerMinute));
  assert.equal(defaults.TRUST_PROXY, String(config.trustProxy));
  assert.equal(defaults.HTTPS, String(config.https));
  assert.equal(config.publicUrl, `http://${config.host}:${config.port}`, 'PUBLIC_URL shown as http://HOST:PORT');
  assert.ok(config.keyFile.endsWith('/data/data.key'), 'HIFAZAT_KEY_FILE shown as DATA_DIR/data.key');
  assert.equal(config.databaseUrl, undefined);
});

test('a retired variable is refused, not listed', () => {
  assert.ok(!configurationVariables().some((v) => v.name === 'UNVERIFIED_REPORTS_PER_HOUR'));
  assert.throws(() => loadConfig({ UNVERIFIED_REPORTS_PER_HOUR: '300' }), /UNVERIFIED_REPORTS_PER_HOUR: is no longer used/);
});

test('hifazat --help lists every variable with its default; start --help adds what each means, without Markdown', () => {
  const flat = (text: string) => text.replace(/\s+/g, ' ');
  for (const variable of configurationVariables()) {
    const shown = variable.default === undefined ? variable.name : `${variable.name} (${variable.default})`;
    assert.ok(flat(help).includes(shown), shown);
    assert.ok(flat(startHelp).includes(`${shown} ${flat(variable.meaning.replace(/\*\*|`/g, ''))}`), variable.name);
  }
  assert.doesNotMatch(startHelp, /`|\*\*/);
});

test('DATABASE_APP_ROLE names a role, and only beside DATABASE_URL (the embedded database has one user)', () => {
  const url = 'postgres://hifazat_owner@db.example.org/hifazat';
  assert.equal(loadConfig({ DATABASE_URL: url, DATABASE_APP_ROLE: 'hifazat_app' }).databaseAppRole, 'hifazat_app');
  assert.equal(loadConfig({ DATABASE_URL: url }).databaseAppRole, undefined);
  assert.throws(() => loadConfig({ DATABASE_APP_ROLE: 'hifazat_app' }), /DATABASE_APP_ROLE: needs DATABASE_URL/);
  for (const bad of ['Hifazat', 'app; DROP TABLE audit_log', '"app"', '1app', '']) {
    assert.throws(() => loadConfig({ DATABASE_URL: url, DATABASE_APP_ROLE: bad }), /DATABASE_APP_ROLE: must be a role name/, bad);
  }
});

test('notification channels: SMTP_URL is smtp(s), WEBHOOK_URL comes with its secret, outbound exceptions are addresses', () => {
  assert.deepEqual(loadConfig({}).notifications, {
    smtpUrl: undefined,
    from: 'hifazat@127.0.0.1',
    webhookUrl: undefined,
    webhookSecret: undefined,
    outboundAllowAddresses: [],
  });
  const configured = loadConfig({
    PUBLIC_URL: 'https://hotline.example.org',
    SMTP_URL: 'smtps://user:secret@mail.example.org:465',
    WEBHOOK_URL: 'https://bridge.example.org/hifazat',
    WEBHOOK_SECRET: 'x'.repeat(32),
    OUTBOUND_ALLOW_ADDRESSES: '10.0.0.5, 192.168.1.0/24',
  }).notifications;
  assert.equal(configured.from, 'hifazat@hotline.example.org');
  assert.deepEqual(configured.outboundAllowAddresses, ['10.0.0.5', '192.168.1.0/24']);
  assert.throws(() => loadConfig({ SMTP_URL: 'http://mail.example.org' }), /SMTP_URL: must be an smtp:\/\/ or smtps:\/\//);
  assert.throws(() => loadConfig({ WEBHOOK_URL: 'https://bridge.example.org' }), /WEBHOOK_URL and WEBHOOK_SECRET go together/);
  assert.throws(() => loadConfig({ WEBHOOK_URL: 'https://u:p@bridge.example.org', WEBHOOK_SECRET: 'x'.repeat(32) }), /WEBHOOK_URL/);
  assert.throws(
    () => loadConfig({ WEBHOOK_URL: 'https://bridge.example.org', WEBHOOK_SECRET: 'short' }),
    /WEBHOOK_SECRET: must be at least 32/,
  );
  assert.throws(() => loadConfig({ OUTBOUND_ALLOW_ADDRESSES: 'localhost' }), /"localhost" is not an IP address or network/);
  assert.throws(() => loadConfig({ NOTIFY_FROM: 'not an address' }), /NOTIFY_FROM: must be an email address/);
});
