/**
 * The one module for every URL a user gives us to call (a profile's Postiz API, webhook endpoints,
 * source video URL imports):
 * docs/api.md#outbound-urls.
 *
 * - `checkOutboundUrl` (pure, judges the text): https only, plain http only for a private or
 *   loopback host the operator allowed; no credentials; the host must be public: loopback, private
 *   (RFC 1918, unique local, CGNAT), link-local, cloud metadata, multicast and reserved addresses
 *   are refused in every spelling the WHATWG URL parser accepts (it already turns decimal, octal and
 *   hex IPv4 forms like `2130706433`, `0177.1` and `0x7f.1` into dotted quads; IPv4-mapped,
 *   IPv4-compatible, NAT64 and 6to4 IPv6 addresses are judged by the IPv4 address inside), and so
 *   are names that only mean something locally (`localhost`, `*.localhost`, `*.local`,
 *   `*.internal`, `*.home.arpa`, single-label names, metadata names);
 * - `checkResolvedHost` (DNS): a Worker cannot pin the address its `fetch` connects to, but it can
 *   ask DNS over HTTPS (`OUTBOUND_DNS_RESOLVER`, Cloudflare's 1.1.1.1 in production) and refuse a
 *   name whose A/AAAA records include an address that is not public. (A name that changes its
 *   answer between our lookup and the connection is the remaining gap; Workers' subrequests leave
 *   through Cloudflare's network, which does not reach our private networks.);
 * - `checkOutboundTarget` = both, for a URL about to be saved or called;
 * - `guardedFetch`: `fetch` that runs `checkOutboundTarget` on every request (not only the saved
 *   URL) and never follows a redirect, so a public URL cannot bounce a request to a refused one;
 * - `fetchFollowingRedirects` (URL imports): follows a bounded number of redirects by hand, each
 *   target checked like the first URL.
 *
 * `OUTBOUND_ALLOW_PRIVATE=true` (an operator setting: a self-hosted service on a private network,
 * the local fakes in dev and tests; `false` in production) allows private and loopback hosts, over
 * http too, and skips the DNS check; metadata and reserved addresses stay refused even then.
 */

export interface OutboundPolicy {
  /** Private and loopback hosts allowed (operator setting `OUTBOUND_ALLOW_PRIVATE`). */
  allowPrivate: boolean;
  /** DNS-over-HTTPS resolver (JSON API) asked where a name points (`OUTBOUND_DNS_RESOLVER`); none: no lookup. */
  dnsResolver?: string;
}

/** The operator settings the policy is read from. */
export interface OutboundSettings {
  OUTBOUND_ALLOW_PRIVATE?: string;
  OUTBOUND_DNS_RESOLVER?: string;
}

export function outboundPolicy(env: OutboundSettings): OutboundPolicy {
  const dnsResolver = env.OUTBOUND_DNS_RESOLVER?.trim();
  return {
    allowPrivate: /^(1|true|yes)$/i.test(env.OUTBOUND_ALLOW_PRIVATE?.trim() ?? ''),
    ...(dnsResolver ? { dnsResolver } : {}),
  };
}

export type HostKind = 'public' | 'private' | 'loopback' | 'metadata' | 'reserved';

export class OutboundUrlError extends Error {
  override name = 'OutboundUrlError';
}

const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
]);
const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa', '.lan', '.intranet', '.corp'];

type Quad = [number, number, number, number];

/** What an IPv4 address is, by its ranges (IANA special-purpose registry, the parts that matter). */
export function ipv4Kind([a, b, c]: Quad): HostKind {
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'metadata'; // link-local, where cloud metadata services answer
  if (a === 100 && b === 100 && c === 100) return 'metadata'; // Alibaba Cloud metadata (100.100.100.200)
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private'; // carrier-grade NAT
  if (a === 0 || a >= 224) return 'reserved'; // "this network", multicast, reserved, broadcast
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return 'reserved';
  if (a === 198 && (b === 18 || b === 19)) return 'reserved'; // benchmarking
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return 'reserved';
  return 'public';
}

export function parseIpv4(text: string): Quad | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const quad = m.slice(1).map(Number) as Quad;
  return quad.every((n) => n <= 255) ? quad : null;
}

/** The eight groups of an IPv6 address (as the URL parser writes it, or as DNS answers give it). */
export function parseIpv6(text: string): number[] | null {
  let body = text.toLowerCase();
  // A trailing dotted quad (`::ffff:1.2.3.4`) becomes two groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (dotted) {
    const quad = parseIpv4(dotted[2]!);
    if (!quad) return null;
    body = `${dotted[1]}${((quad[0] << 8) | quad[1]).toString(16)}:${((quad[2] << 8) | quad[3]).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string) =>
    part ? part.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? Number.parseInt(g, 16) : -1)) : [];
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return all.every((g) => g >= 0) ? all : null;
}

export function ipv6Kind(g: number[]): HostKind {
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  const inner = (hi: number, lo: number): HostKind => ipv4Kind([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  if (zero(0, 7) && g[7] === 1) return 'loopback';
  if (zero(0, 8)) return 'reserved';
  if (zero(0, 5) && g[5] === 0xffff) return inner(g[6]!, g[7]!); // IPv4-mapped
  if (zero(0, 6)) return inner(g[6]!, g[7]!); // IPv4-compatible (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return inner(g[6]!, g[7]!); // NAT64
  if (g[0] === 0x2002) return inner(g[1]!, g[2]!); // 6to4
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && zero(2, 7) && g[7] === 0x254) return 'metadata'; // AWS IMDS (IPv6)
  if ((g[0]! & 0xfe00) === 0xfc00) return 'private'; // unique local
  if ((g[0]! & 0xffc0) === 0xfe80 || (g[0]! & 0xffc0) === 0xfec0) return 'metadata'; // link-local, site-local
  if ((g[0]! & 0xff00) === 0xff00) return 'reserved'; // multicast
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'reserved'; // documentation
  if (g[0] === 0x0100 && zero(1, 4)) return 'reserved'; // discard-only
  return 'public';
}

/** What an IP address (v4 or v6, no brackets) is; `null` when the text is not an address. */
export function addressKind(address: string): HostKind | null {
  const v4 = parseIpv4(address);
  if (v4) return ipv4Kind(v4);
  const v6 = address.includes(':') ? parseIpv6(address) : null;
  return v6 ? ipv6Kind(v6) : null;
}

/** What a URL's hostname (as `new URL()` gives it: canonical IPv4, bracketed IPv6) points at. */
export function hostKind(hostname: string): HostKind {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[')) return addressKind(host.slice(1, -1)) ?? 'reserved';
  const address = addressKind(host);
  if (address) return address;
  if (METADATA_NAMES.has(host)) return 'metadata';
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  if (!host.includes('.') || LOCAL_SUFFIXES.some((s) => host.endsWith(s))) return 'private';
  return 'public';
}

/** Whether `policy` lets a request reach a host of this kind. */
export function kindAllowed(kind: HostKind, policy: OutboundPolicy): boolean {
  if (kind === 'public') return true;
  return policy.allowPrivate && (kind === 'private' || kind === 'loopback');
}

/**
 * The URL if we may call it under `policy`, else an OutboundUrlError saying why (about the URL
 * only: nothing is contacted).
 */
export function checkOutboundUrl(raw: string | URL, policy: OutboundPolicy): URL {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new OutboundUrlError('is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundUrlError('must use https');
  if (url.username || url.password) throw new OutboundUrlError('must not contain credentials');
  const kind = hostKind(url.hostname);
  if (kind === 'metadata' || kind === 'reserved')
    throw new OutboundUrlError('points at a link-local, cloud metadata or reserved address');
  if (!kindAllowed(kind, policy))
    throw new OutboundUrlError('must be a public host (loopback, private and link-local addresses are refused)');
  if (url.protocol === 'http:' && kind === 'public')
    throw new OutboundUrlError('must use https (plain http only for an allowed private or loopback host)');
  return url;
}

/** The resolver could not answer (network, timeout, SERVFAIL): try again later. */
export class DnsUnavailableError extends Error {
  override name = 'DnsUnavailableError';
}

const RESOLVE_TIMEOUT_MS = 3000;
/** A and AAAA records in the JSON answer format (`application/dns-json`). */
const ADDRESS_RECORD_TYPES = new Set([1, 28]);

interface DnsJson {
  Status?: number;
  Answer?: { type?: number; data?: string }[];
}

const globalFetch: typeof fetch = (input, init) => fetch(input, init);

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
 * not public; DnsUnavailableError when DNS could not tell. Skipped when private targets are allowed,
 * without a resolver, and for IP literals (checkOutboundUrl judged those already).
 */
export async function checkResolvedHost(
  url: URL,
  policy: OutboundPolicy,
  resolverFetch: typeof fetch = globalFetch,
): Promise<void> {
  const host = url.hostname.replace(/\.$/, '');
  if (policy.allowPrivate || !policy.dnsResolver || host.startsWith('[') || addressKind(host)) return;
  const [v4, v6] = await Promise.all([
    lookup(policy.dnsResolver, host, 'A', resolverFetch),
    lookup(policy.dnsResolver, host, 'AAAA', resolverFetch),
  ]);
  const addresses = [...v4, ...v6];
  if (!addresses.length) throw new OutboundUrlError('does not resolve to any address');
  if (addresses.some((a) => addressKind(a) !== 'public'))
    throw new OutboundUrlError('resolves to a loopback, private or link-local address');
}

/**
 * The URL if we may call it now: its text (`checkOutboundUrl`), then where its name resolves.
 * Throws OutboundUrlError (refused) or DnsUnavailableError (cannot tell now).
 */
export async function checkOutboundTarget(
  raw: string | URL,
  policy: OutboundPolicy,
  resolverFetch: typeof fetch = globalFetch,
): Promise<URL> {
  const url = checkOutboundUrl(raw, policy);
  await checkResolvedHost(url, policy, resolverFetch);
  return url;
}

/**
 * `fetch` for user-supplied URLs: every request passes `checkOutboundTarget` first, and a redirect
 * is never followed (answered as an OutboundUrlError), so it cannot lead to a refused host.
 */
export function guardedFetch(policy: OutboundPolicy, base: typeof fetch = globalFetch, resolverFetch = globalFetch) {
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    await checkOutboundTarget(input instanceof Request ? input.url : String(input), policy, resolverFetch);
    const response = await base(input, { ...init, redirect: 'manual' });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new OutboundUrlError('answered with a redirect, which is not followed');
    }
    return response;
  };
}

/** Where a redirect chain ended: the response (never a redirect) and the URL that gave it. */
export interface FollowedResponse {
  response: Response;
  url: URL;
  redirects: number;
}

/**
 * `fetch` for a user-supplied URL that may redirect (a public file behind a CDN link): redirects
 * are followed by hand, at most `maxRedirects` of them, and every target passes
 * `checkOutboundTarget` before it is requested, so a public URL cannot bounce the request to a
 * refused host. Only GET/HEAD (no body is re-sent). Throws OutboundUrlError (refused, or too many
 * redirects) or DnsUnavailableError.
 */
export async function fetchFollowingRedirects(
  raw: string | URL,
  init: RequestInit & { method?: 'GET' | 'HEAD' },
  policy: OutboundPolicy,
  options: { maxRedirects: number; base?: typeof fetch; resolverFetch?: typeof fetch },
): Promise<FollowedResponse> {
  const base = options.base ?? globalFetch;
  let url = await checkOutboundTarget(raw, policy, options.resolverFetch ?? globalFetch);
  for (let redirects = 0; ; redirects++) {
    const response = await base(url, { ...init, redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || response.status === 304 || !location) {
      return { response, url, redirects };
    }
    await response.body?.cancel();
    if (redirects >= options.maxRedirects)
      throw new OutboundUrlError(`redirected more than ${options.maxRedirects} times`);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new OutboundUrlError('redirected to an invalid URL');
    }
    try {
      url = await checkOutboundTarget(next, policy, options.resolverFetch ?? globalFetch);
    } catch (err) {
      if (err instanceof OutboundUrlError) throw new OutboundUrlError(`redirected to a URL that ${err.message}`);
      throw err;
    }
  }
}
