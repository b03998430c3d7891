/**
 * Webhook test helpers: an endpoint of a tenant pointed at its own path on the local receiver
 * (test/helpers/node/webhook-receiver.ts, started by the global setup), and what the receiver got
 * there, read back over its `/__fake/…` controls.
 */
import { expect, inject } from 'vitest';
import { type Tenant, as } from './tenants.ts';

export interface Received {
  seq: number;
  path: string;
  headers: Record<string, string>;
  status?: number;
  extra: { raw?: string };
}

export const receiverUrl = () => inject('webhookReceiverUrl');

/** A fresh path on the receiver, for one test's deliveries. */
export const hookPath = (label = 'hook') => `/hooks/${label}-${crypto.randomUUID()}`;

export const receiver = {
  async requests(path: string): Promise<Received[]> {
    const res = await fetch(`${receiverUrl()}/__fake/requests?${new URLSearchParams({ method: 'POST', path })}`);
    return ((await res.json()) as { requests: Received[] }).requests;
  },
  /** The next `times` deliveries to `path` are answered with `status` (and an optional delay). */
  async failNext(path: string, status: number, times = 1, extra: { delay_ms?: number } = {}) {
    const res = await fetch(`${receiverUrl()}/__fake/answer-next`, {
      method: 'POST',
      body: JSON.stringify({ path, status, times, ...extra }),
    });
    expect(res.status).toBe(200);
  },
  /** Waits until `path` got at least `count` requests; returns them all (usable in hooks too). */
  async waitFor(path: string, count: number, timeout = 15_000): Promise<Received[]> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const seen = await receiver.requests(path);
      if (seen.length >= count) return seen;
      if (Date.now() > deadline) throw new Error(`${path} got ${seen.length} of ${count} requests in ${timeout} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  },
};

/** Registers an endpoint of `tenant` at a fresh receiver path; returns it with its secret and path. */
export async function createReceiverEndpoint(
  tenant: Tenant,
  eventTypes: string[] = ['*'],
  label = 'hook',
): Promise<{ id: string; secret: string; path: string; url: string }> {
  const path = hookPath(label);
  const url = `${receiverUrl()}${path}`;
  const res = await as(tenant)('/api/v1/webhooks', { json: { url, event_types: eventTypes } });
  if (res.status !== 201) throw new Error(`createReceiverEndpoint: ${res.status} ${res.text}`);
  return { id: res.body.id, secret: res.body.secret, path, url };
}
