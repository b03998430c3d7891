/**
 * A local webhook receiver, as an integrator would run one: a Node HTTP server that takes POSTs at
 * `/hooks/<name>` (one name per test, so parallel tests never see each other's deliveries), keeps
 * each request's raw body and headers (so a test can verify the signature over the exact bytes),
 * and answers 200 unless told otherwise. Built on the fakes' recording server, so tests inside
 * workerd drive it over HTTP too:
 *
 *   GET  /__fake/requests?path=/hooks/<name>      → { requests: [{ headers, extra: { raw }, status, … }] }
 *   POST /__fake/answer-next { path: '/hooks/<name>', status: 500, times?: 1, delay_ms? }
 *
 * It also answers DNS-over-HTTPS JSON queries at `/dns-query` (the format of OUTBOUND_DNS_RESOLVER)
 * from a fixed table, so the name-resolution check can be tested without the internet:
 * `*.private.test` → 10.0.0.7, `*.loopback6.test` → ::1, `*.public.test` → 93.184.216.34 and
 * 2606:2800:220:1::1, `*.nx.test` → NXDOMAIN, anything else → SERVFAIL.
 */
import { FakeServer } from '../../fakes/fake-server.ts';

const DNS_TABLE: { suffix: string; A: string[]; AAAA: string[] }[] = [
  { suffix: '.private.test', A: ['10.0.0.7'], AAAA: [] },
  { suffix: '.loopback6.test', A: [], AAAA: ['::1'] },
  { suffix: '.public.test', A: ['93.184.216.34'], AAAA: ['2606:2800:220:1::1'] },
];

interface PlannedAnswer {
  status: number;
  delay_ms?: number;
}

export async function startWebhookReceiver(options: { port?: number } = {}): Promise<FakeServer> {
  /** Answers queued per hook path (`answer-next`); a path with none answers 200. */
  const plans = new Map<string, PlannedAnswer[]>();
  return FakeServer.start({
    name: 'webhook-receiver',
    port: options.port,
    apiKeyOf: () => null,
    routes: [
      {
        method: 'POST',
        pattern: /^\/hooks\/[\w-]+$/,
        handler: async (req) => {
          req.record.extra.raw = (await req.readBody()).toString('utf8');
          const planned = plans.get(req.path)?.shift();
          if (planned?.delay_ms) await new Promise((resolve) => setTimeout(resolve, planned.delay_ms));
          const status = planned?.status ?? 200;
          req.send(status, status < 300 ? { received: true } : { error: 'receiver told to fail' });
        },
      },
      {
        method: 'GET',
        pattern: /^\/dns-query$/,
        handler: (req) => {
          const name = (req.url.searchParams.get('name') ?? '').toLowerCase();
          const type = req.url.searchParams.get('type') === 'AAAA' ? 'AAAA' : 'A';
          if (name.endsWith('.nx.test')) return req.send(200, { Status: 3 });
          const entry = DNS_TABLE.find((e) => name.endsWith(e.suffix));
          if (!entry) return req.send(200, { Status: 2 });
          const answer = entry[type].map((data) => ({ name, type: type === 'A' ? 1 : 28, TTL: 60, data }));
          req.send(200, { Status: 0, Answer: answer }, { 'content-type': 'application/dns-json' });
        },
      },
    ],
    controls: [
      {
        method: 'POST',
        pattern: /^\/answer-next$/,
        handler: async (req) => {
          const body = (await req.readJson()) as (PlannedAnswer & { path: string; times?: number }) | undefined;
          if (!body?.path || !body.status)
            return req.send(400, { error: '{ path, status, times?, delay_ms? } expected' });
          const queued = plans.get(body.path) ?? [];
          for (let i = 0; i < (body.times ?? 1); i++) queued.push({ status: body.status, delay_ms: body.delay_ms });
          plans.set(body.path, queued);
          req.send(200, { ok: true });
        },
      },
    ],
    onReset: () => plans.clear(),
  });
}
