/**
 * Where an endpoint's name points, checked before we call it: a Worker cannot pin the address its
 * `fetch` connects to, but it can ask DNS (over HTTPS, `OUTBOUND_DNS_RESOLVER`, Cloudflare's
 * 1.1.1.1 in production) and refuse a name whose A/AAAA records include a loopback, private,
 * link-local or metadata address. Checked when an endpoint is saved and again before every attempt,
 * so a name re-pointed later is caught at its next delivery. (A name that changes its answer between
 * our lookup and the connection is the remaining gap; Workers' subrequests leave through
 * Cloudflare's network, which does not reach our private networks.)
 *
 * Skipped when the operator allows private targets (`OUTBOUND_ALLOW_PRIVATE`, dev and tests) or
 * configured no resolver, and for IP literals (checkOutboundUrl judged those already).
 */
import { addressKind, type OutboundPolicy, OutboundUrlError } from '../core/outbound-url.ts';

/** The resolver could not answer (network, timeout, SERVFAIL): try again later. */
export class DnsUnavailableError extends Error {
  override name = 'DnsUnavailableError';
}

const RESOLVE_TIMEOUT_MS = 3000;
/** A and AAAA records in the JSON answer format (RFC 8427-style `application/dns-json`). */
const ADDRESS_RECORD_TYPES = new Set([1, 28]);

interface DnsJson {
  Status?: number;
  Answer?: { type?: number; data?: string }[];
}

async function lookup(resolver: string, host: string, type: 'A' | 'AAAA', fetcher: typeof fetch): Promise<string[]> {
  const url = new URL(resolver);
  url.searchParams.set('name', host);
  url.searchParams.set('type', type);
  let answer: DnsJson;
  try {
    const res = await fetcher(url, {
      headers: { accept: 'application/dns-json' },
      signal: AbortSignal.timeout(RESOLVE_TIMEOUT_MS),
    });
    if (!res.ok) throw new DnsUnavailableError(`the DNS resolver answered ${res.status}`);
    answer = (await res.json()) as DnsJson;
  } catch (err) {
    if (err instanceof DnsUnavailableError) throw err;
    throw new DnsUnavailableError(
      `the DNS resolver could not be reached (${err instanceof Error ? err.name : 'error'})`,
    );
  }
  if (answer.Status === 3) return []; // NXDOMAIN
  if (answer.Status !== 0) throw new DnsUnavailableError(`the DNS lookup failed (status ${answer.Status})`);
  return (answer.Answer ?? [])
    .filter((r) => r.type !== undefined && ADDRESS_RECORD_TYPES.has(r.type) && typeof r.data === 'string')
    .map((r) => r.data!);
}

/**
 * Refuses (OutboundUrlError) a URL whose host name resolves to no address or to any address that is
 * not public; DnsUnavailableError when DNS could not tell.
 */
export async function checkResolvedHost(
  url: URL,
  policy: OutboundPolicy,
  resolver: string | undefined,
  fetcher: typeof fetch = (input, init) => fetch(input, init),
): Promise<void> {
  const host = url.hostname.replace(/\.$/, '');
  if (policy.allowPrivate || !resolver || host.startsWith('[') || addressKind(host)) return;
  const [v4, v6] = await Promise.all([lookup(resolver, host, 'A', fetcher), lookup(resolver, host, 'AAAA', fetcher)]);
  const addresses = [...v4, ...v6];
  if (!addresses.length) throw new OutboundUrlError('does not resolve to any address');
  if (addresses.some((a) => addressKind(a) !== 'public'))
    throw new OutboundUrlError('resolves to a loopback, private or link-local address');
}
