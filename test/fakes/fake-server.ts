/**
 * The common part of the local fake SaaS servers: a node:http server on an ephemeral port that
 * records every request it gets (headers, size, hash, parsed JSON, whether it was chunked), can be
 * told to fail or stall the next N matching requests, and exposes that control over HTTP under
 * `/__fake/…` so tests running inside workerd can drive it as well as Node tests:
 *
 *   GET  /__fake/requests?method=&path=&api_key=   → { requests: RecordedRequest[] }
 *   POST /__fake/fail-next  { status?, body?, raw_body?, headers?, times?, method?, path?, api_key?, delay_ms? }
 *   POST /__fake/reset                             → clears requests, rules and provider state
 *
 * Each provider fake adds its routes (and its own `/__fake/…` controls) on top.
 */
import { toHex } from '../../shared/encoding.ts';
import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  seq: number;
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The credential the provider's auth rule looked at (null when absent). */
  api_key: string | null;
  content_length: number | null;
  chunked: boolean;
  /** Bytes of body actually received (0 until the handler read it). */
  body_bytes: number;
  body_sha256: string | null;
  /** Parsed body when it was JSON. */
  json?: unknown;
  /** Status the fake answered with. */
  status?: number;
  /** Provider-specific facts (e.g. the uploaded file part). */
  extra: Record<string, unknown>;
}

export interface FailRule {
  /** Answer with this status; omit to only delay (`delay_ms`) and then answer normally. */
  status?: number;
  /** JSON body for the failure. */
  body?: unknown;
  /** Raw text body instead of JSON (e.g. an HTML proxy error). */
  raw_body?: string;
  headers?: Record<string, string>;
  /** How many matching requests this rule applies to (default 1). */
  times?: number;
  method?: string;
  /** Path prefix to match (e.g. `/public/v1/posts`). */
  path?: string;
  /** Only requests made with this key (keeps parallel tests from stealing each other's rules). */
  api_key?: string;
  delay_ms?: number;
}

export class FakeRequest {
  readonly url: URL;
  readonly record: RecordedRequest;
  private bodyPromise: Promise<Buffer> | null = null;

  readonly req: IncomingMessage;
  readonly res: ServerResponse;

  constructor(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, baseUrl: string) {
    this.req = req;
    this.res = res;
    this.url = new URL(req.url ?? '/', baseUrl);
    this.record = record;
  }

  get method(): string {
    return this.req.method ?? 'GET';
  }

  get path(): string {
    return this.url.pathname;
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** Buffers the body (bounded) and records its size and hash. */
  readBody(limit = 256 * 1024 * 1024): Promise<Buffer> {
    this.bodyPromise ??= new Promise<Buffer>((resolve, reject) => {
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      let size = 0;
      this.req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          reject(new Error('body too large for the fake'));
          this.req.destroy();
          return;
        }
        hash.update(chunk);
        chunks.push(chunk);
      });
      this.req.on('end', () => {
        this.record.body_bytes = size;
        this.record.body_sha256 = hash.digest('hex');
        resolve(Buffer.concat(chunks));
      });
      this.req.on('error', reject);
    });
    return this.bodyPromise;
  }

  /** Parses a JSON body; `undefined` when it is not JSON (the caller answers 400 its own way). */
  async readJson(): Promise<unknown> {
    const body = await this.readBody();
    try {
      const value: unknown = JSON.parse(body.toString('utf8'));
      this.record.json = value;
      return value;
    } catch {
      return undefined;
    }
  }

  send(status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.sendRaw(status, JSON.stringify(body), { 'content-type': 'application/json; charset=utf-8', ...headers });
  }

  sendRaw(status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
    if (this.res.headersSent) return;
    this.record.status = status;
    this.res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
    this.res.end(body);
  }

  /** Answers with no body (e.g. a DELETE that returns nothing). */
  sendEmpty(status = 200): void {
    this.sendRaw(status, '');
  }
}

export type RouteHandler = (req: FakeRequest, params: string[]) => void | Promise<void>;

export interface FakeRoute {
  method: string;
  /** Matched against the path; capture groups become `params`. */
  pattern: RegExp;
  handler: RouteHandler;
}

export interface FakeServerOptions {
  name: string;
  /** Extracts the credential the provider's auth looks at (used for recording and rule scoping). */
  apiKeyOf: (req: FakeRequest) => string | null;
  /** Provider routes, matched in order after auth-independent fail rules. */
  routes: FakeRoute[];
  /** Extra `/__fake/…` controls (paths relative to `/__fake`). */
  controls?: FakeRoute[];
  /** Answers requests no route matched. */
  notFound?: (req: FakeRequest) => void;
  onReset?: () => void;
  host?: string;
  port?: number;
}

/** The handle Node tests use; everything here is also reachable over `/__fake/…`. */
export class FakeServer {
  readonly requests: RecordedRequest[] = [];
  private rules: (FailRule & { remaining: number })[] = [];
  private seq = 0;
  private server: Server;
  url = '';

  private readonly options: FakeServerOptions;

  private constructor(options: FakeServerOptions) {
    this.options = options;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ fake_error: err instanceof Error ? err.message : String(err) }));
        }
      });
    });
  }

  static async start(options: FakeServerOptions): Promise<FakeServer> {
    const fake = new FakeServer(options);
    await new Promise<void>((resolve) => fake.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
    const { port } = fake.server.address() as AddressInfo;
    fake.url = `http://${options.host ?? '127.0.0.1'}:${port}`;
    return fake;
  }

  get name(): string {
    return this.options.name;
  }

  failNext(rule: FailRule): void {
    this.rules.push({ ...rule, remaining: rule.times ?? 1 });
  }

  /** Recorded requests, optionally filtered (path is a prefix). */
  requestsFor(filter: { method?: string; path?: string; api_key?: string } = {}): RecordedRequest[] {
    return this.requests.filter(
      (r) =>
        (!filter.method || r.method === filter.method.toUpperCase()) &&
        (!filter.path || r.path.startsWith(filter.path)) &&
        (!filter.api_key || r.api_key === filter.api_key),
    );
  }

  reset(): void {
    this.requests.length = 0;
    this.rules = [];
    this.options.onReset?.();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const contentLength = headers['content-length'];
    const record: RecordedRequest = {
      seq: ++this.seq,
      method: req.method ?? 'GET',
      path: '',
      query: {},
      headers,
      api_key: null,
      content_length: contentLength === undefined ? null : Number(contentLength),
      chunked: /chunked/i.test(headers['transfer-encoding'] ?? ''),
      body_bytes: 0,
      body_sha256: null,
      extra: {},
    };
    const fr = new FakeRequest(req, res, record, this.url);
    record.path = fr.url.pathname;
    record.query = Object.fromEntries(fr.url.searchParams);

    if (fr.path.startsWith('/__fake/') || fr.path === '/__fake') return this.control(fr);

    record.api_key = this.options.apiKeyOf(fr);
    this.requests.push(record);

    const rule = this.rules.find(
      (r) =>
        r.remaining > 0 &&
        (!r.method || r.method.toUpperCase() === record.method) &&
        (!r.path || record.path.startsWith(r.path)) &&
        (!r.api_key || r.api_key === record.api_key),
    );
    if (rule) {
      rule.remaining--;
      this.rules = this.rules.filter((r) => r.remaining > 0);
      if (rule.delay_ms) await new Promise((resolve) => setTimeout(resolve, rule.delay_ms));
      if (rule.status !== undefined) {
        // Drain what the client sends so it sees our answer rather than a reset connection.
        await fr.readBody().catch(() => Buffer.alloc(0));
        if (rule.raw_body !== undefined)
          fr.sendRaw(rule.status, rule.raw_body, { 'content-type': 'text/html', ...rule.headers });
        else fr.send(rule.status, rule.body ?? {}, rule.headers);
        return;
      }
    }

    for (const route of this.options.routes) {
      if (route.method !== record.method) continue;
      const match = route.pattern.exec(record.path);
      if (match)
        return route.handler(
          fr,
          match.slice(1).map((p) => decodeURIComponent(p)),
        );
    }
    await fr.readBody().catch(() => Buffer.alloc(0));
    if (this.options.notFound) this.options.notFound(fr);
    else fr.send(404, { error: `no fake route for ${record.method} ${record.path}` });
  }

  private async control(fr: FakeRequest): Promise<void> {
    const sub = fr.path.slice('/__fake'.length);
    if (fr.method === 'GET' && sub === '/requests') {
      const q = fr.url.searchParams;
      return fr.send(200, {
        requests: this.requestsFor({
          method: q.get('method') ?? undefined,
          path: q.get('path') ?? undefined,
          api_key: q.get('api_key') ?? undefined,
        }),
      });
    }
    if (fr.method === 'POST' && sub === '/reset') {
      await fr.readBody();
      this.reset();
      return fr.send(200, { ok: true });
    }
    if (fr.method === 'POST' && sub === '/fail-next') {
      const body = (await fr.readJson()) as FailRule | undefined;
      if (!body || typeof body !== 'object') return fr.send(400, { error: 'JSON FailRule expected' });
      this.failNext(body);
      return fr.send(200, { ok: true });
    }
    if (fr.method === 'GET' && sub === '/health') return fr.send(200, { ok: true, name: this.name });
    for (const route of this.options.controls ?? []) {
      if (route.method !== fr.method) continue;
      const match = route.pattern.exec(sub);
      if (match)
        return route.handler(
          fr,
          match.slice(1).map((p) => decodeURIComponent(p)),
        );
    }
    await fr.readBody().catch(() => Buffer.alloc(0));
    return fr.send(404, { error: `no fake control ${fr.method} ${fr.path}` });
  }
}

export function randomHex(bytes = 12): string {
  return toHex(crypto.getRandomValues(new Uint8Array(bytes)));
}
