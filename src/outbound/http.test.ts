import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { OutboundClient, OutboundError } from './http.ts';

let server: Server;
let base: string;
const seen: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url === '/big') return res.end(Buffer.alloc(100_000, 'x'));
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2_000);
    if (req.url === '/to-private') return res.writeHead(302, { location: 'http://10.1.2.3/' }).end();
    if (req.url === '/to-file') return res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    if (req.url === '/loop') return res.writeHead(302, { location: '/loop' }).end();
    if (req.url === '/see-other') return res.writeHead(303, { location: '/ok' }).end();
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const reason = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'answered';
  } catch (error) {
    assert.ok(error instanceof OutboundError, String(error));
    return error.reason;
  }
};

test('loopback is refused unless allowed, and then answers', async () => {
  assert.equal(await reason(new OutboundClient({ allowAddresses: [] }).request({ method: 'GET', url: `${base}/ok` })), 'refused_address');
  assert.equal(
    await reason(new OutboundClient({ allowAddresses: ['10.0.0.0/8'] }).request({ method: 'GET', url: `${base}/ok` })),
    'refused_address',
  );
  const answer = await new OutboundClient({ allowAddresses: ['127.0.0.1'] }).request({ method: 'GET', url: `${base}/ok` });
  assert.equal(answer.status, 200);
  assert.equal(answer.body.toString(), 'ok');
});

test('a host name that resolves to loopback is refused when it connects', async () => {
  assert.equal(
    await reason(
      new OutboundClient({ allowAddresses: [] }).request({ method: 'GET', url: `${base.replace('127.0.0.1', 'localhost')}/ok` }),
    ),
    'refused_address',
  );
});

test('every redirect is checked: a private address, another scheme, too many hops', async () => {
  const client = new OutboundClient({ allowAddresses: ['127.0.0.1'] });
  assert.equal(await reason(client.request({ method: 'GET', url: `${base}/to-private` })), 'refused_address');
  assert.equal(await reason(client.request({ method: 'GET', url: `${base}/to-file` })), 'refused_url');
  assert.equal(await reason(client.request({ method: 'GET', url: `${base}/loop` })), 'too_many_redirects');
  seen.length = 0;
  const answer = await client.request({
    method: 'POST',
    url: `${base}/see-other`,
    body: '{}',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(answer.body.toString(), 'ok');
  assert.deepEqual(seen, ['POST /see-other', 'GET /ok']);
});

test('addresses with credentials and other schemes are refused before connecting', async () => {
  const client = new OutboundClient({ allowAddresses: ['127.0.0.1'] });
  assert.equal(await reason(client.request({ method: 'GET', url: base.replace('http://', 'http://user:pw@') })), 'refused_url');
  assert.equal(await reason(client.request({ method: 'GET', url: 'ftp://127.0.0.1/' })), 'refused_url');
});

test('a body is read up to the cap, and a slow answer times out', async () => {
  const client = new OutboundClient({ allowAddresses: ['127.0.0.1'], maxResponseBytes: 1000, timeoutMs: 300 });
  const answer = await client.request({ method: 'GET', url: `${base}/big` });
  assert.equal(answer.body.length, 1000);
  assert.equal(answer.truncated, true);
  assert.equal(await reason(client.request({ method: 'GET', url: `${base}/slow` })), 'timeout');
});
