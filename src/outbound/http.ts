import http from 'node:http';
import https from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

/**
 * Every HTTP request Hifazat makes to another server goes through here (the notifications'
 * webhook now; takedown notices next). It refuses server-side request forgery at connect time:
 * each address a host name resolves to is checked when the socket connects (request-filtering-agent),
 * so DNS rebinding gains nothing, and so is every hop of a redirect, which is followed by hand, a
 * few at most, never to another scheme than http(s). Private, loopback, link-local and reserved
 * addresses are refused unless the operator names them (OUTBOUND_ALLOW_ADDRESSES). A request has one
 * deadline for all its hops, and of an answer's body at most `maxResponseBytes` are read.
 */

export interface OutboundPolicy {
  /** Addresses or networks (CIDR) allowed although private or loopback, e.g. ['127.0.0.1'] in tests. */
  allowAddresses: readonly string[];
  /** The whole exchange, redirects included. */
  timeoutMs?: number;
  /** Bytes of a response body read at most; the rest is dropped with the connection. */
  maxResponseBytes?: number;
  /** Redirects followed at most (0: a 3xx is the answer). */
  maxRedirects?: number;
}

export const outboundDefaults = { timeoutMs: 10_000, maxResponseBytes: 16 * 1024, maxRedirects: 3 } as const;

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface OutboundResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** At most maxResponseBytes of the body. */
  body: Buffer;
  /** The body was longer than what was read. */
  truncated: boolean;
  /** The address that answered, after redirects. */
  url: string;
}

/** Why a request did not get an answer; `reason` is safe to record (no body, no header). */
export class OutboundError extends Error {
  constructor(
    readonly reason: 'refused_url' | 'refused_address' | 'timeout' | 'too_many_redirects' | 'network',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OutboundError';
  }
}

/** An address to send to: http or https, no user name or password in it. */
export function checkOutboundUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new OutboundError('refused_url', 'Not an address.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundError('refused_url', `Refused scheme ${url.protocol}`);
  if (url.username || url.password) throw new OutboundError('refused_url', 'Refused an address with credentials in it.');
  return url;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** Guarded HTTP requests under one policy; its agents are kept (keep-alive off: each request connects, and is checked, afresh). */
export class OutboundClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly maxRedirects: number;

  constructor(policy: OutboundPolicy) {
    const filter = { allowIPAddressList: [...policy.allowAddresses], allowPrivateIPAddress: false, allowMetaIPAddress: false };
    this.httpAgent = new RequestFilteringHttpAgent({ ...filter, keepAlive: false });
    this.httpsAgent = new RequestFilteringHttpsAgent({ ...filter, keepAlive: false });
    this.timeoutMs = policy.timeoutMs ?? outboundDefaults.timeoutMs;
    this.maxResponseBytes = policy.maxResponseBytes ?? outboundDefaults.maxResponseBytes;
    this.maxRedirects = policy.maxRedirects ?? outboundDefaults.maxRedirects;
  }

  async request(request: OutboundRequest): Promise<OutboundResponse> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    let current = { ...request, url: checkOutboundUrl(request.url) };
    for (let hop = 0; ; hop++) {
      const response = await this.once(current, signal);
      const location = response.headers.location;
      if (!redirectStatuses.has(response.status) || location === undefined) return response;
      if (hop >= this.maxRedirects) throw new OutboundError('too_many_redirects', `More than ${this.maxRedirects} redirects.`);
      const next = checkOutboundUrl(new URL(location, current.url).href);
      // 303, and 301/302 after a POST (as browsers do), become a GET without the body; 307/308 repeat the request.
      const keep = response.status === 307 || response.status === 308 || current.method === 'GET';
      current = keep
        ? { ...current, url: next }
        : { method: 'GET', url: next, ...(current.headers ? { headers: withoutBodyHeaders(current.headers) } : {}) };
    }
  }

  private once(request: Omit<OutboundRequest, 'url'> & { url: URL }, signal: AbortSignal): Promise<OutboundResponse> {
    const secure = request.url.protocol === 'https:';
    const send = secure ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const fail = (error: unknown) => reject(classify(error, signal));
      const req = send(request.url, {
        method: request.method,
        headers: request.headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
        signal,
      });
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const finish = () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), truncated, url: request.url.href });
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          const room = this.maxResponseBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            size += room;
            truncated = true;
            // Read no more of it: the connection goes (keep-alive is off anyway).
            res.destroy();
            finish();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', finish);
        res.on('error', (error) => (truncated ? undefined : fail(error)));
      });
      req.end(request.body);
    });
  }

  /** Closes idle sockets (there are none with keep-alive off; for symmetry at shutdown). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function withoutBodyHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !/^content-(type|length)$/i.test(name)));
}

function classify(error: unknown, signal: AbortSignal): OutboundError {
  if (error instanceof OutboundError) return error;
  if (signal.aborted) return new OutboundError('timeout', 'The request took too long.', { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  if (/is not allowed\. Because/.test(message)) return new OutboundError('refused_address', message, { cause: error });
  return new OutboundError('network', message, { cause: error });
}
