/** Helpers for the processing route and job tests inside workerd. */
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import type { ApiResponse } from './api.ts';
import { type Tenant, as } from './tenants.ts';

export type FormValue = string | { bytes: Uint8Array | string; filename: string; type?: string };

/** A multipart form serialised like a browser does (so it has a Content-Length). */
export async function postForm(
  t: Tenant,
  path: string,
  fields: Record<string, FormValue>,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const fd = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') fd.append(name, value);
    else fd.append(name, new Blob([value.bytes], { type: value.type ?? 'application/octet-stream' }), value.filename);
  }
  const req = new Request('http://x/', { method: 'POST', body: fd });
  const bytes = new Uint8Array(await req.arrayBuffer());
  return as(t)(path, {
    method: 'POST',
    body: bytes,
    headers: { 'Content-Type': req.headers.get('Content-Type')!, ...headers },
  });
}

/** A minimal MP3 frame stream (MPEG-1 Layer III frame headers), enough for magic-byte sniffing. */
export function fakeMp3(size = 4096): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i + 4 <= size; i += 417) out.set([0xff, 0xfb, 0x90, 0x64], i);
  return out;
}

export interface RecordedProviderRequest {
  method: string;
  path: string;
  json?: any;
  status?: number;
}

/** The fake Gemini / ElevenLabs servers the worker tests are bound to, through `/__fake/…`. */
export function providerFake(which: 'gemini' | 'elevenlabs') {
  const origin = () => new URL(which === 'gemini' ? env.GEMINI_BASE_URL : env.ELEVENLABS_BASE_URL).origin;
  return {
    async requests(filter: { method?: string; path?: string } = {}): Promise<RecordedProviderRequest[]> {
      const q = new URLSearchParams(filter as Record<string, string>);
      const res = await fetch(`${origin()}/__fake/requests?${q}`);
      return ((await res.json()) as { requests: RecordedProviderRequest[] }).requests;
    },
    async failNext(rule: Record<string, unknown>) {
      const res = await fetch(`${origin()}/__fake/fail-next`, { method: 'POST', body: JSON.stringify(rule) });
      expect(res.status).toBe(200);
    },
  };
}

export const jobsOf = async (t: Tenant, type?: string) =>
  (await as(t)(`/api/v1/jobs${type ? `?type=${type}` : ''}`)).body.jobs as {
    id: string;
    type: string;
    input: any;
    status: string;
  }[];
