/**
 * The one check for every URL a user gives us to call (a Postiz API now; webhooks and URL imports
 * later): see docs/api.md#outbound-urls. Its exports (`outboundPolicy`, `checkOutboundUrl`,
 * `guardedFetch`, `hostKind`, `OutboundUrlError` and the types) are a stable API that other modules
 * build on: change them only together with every caller and that table.
 *
 * - http(s) only, no credentials in the URL, https unless the target is a private host the operator
 *   allowed;
 * - the host must be public: loopback, private, link-local, CGNAT, multicast, reserved and cloud
 *   metadata addresses are refused, in every spelling the URL parser accepts (decimal, hex and octal
 *   IPv4 are canonicalised by WHATWG URL parsing before the check; IPv4-mapped, -compatible, NAT64
 *   and 6to4 IPv6 addresses are judged by the IPv4 address inside), and so are names that only
 *   mean something locally (`localhost`, `*.localhost`, `*.local`, `*.internal`, `*.home.arpa`,
 *   single-label names, `metadata.google.internal`);
 * - `OUTBOUND_ALLOW_PRIVATE=true` (an operator setting, off in production) allows private and loopback
 *   hosts, for a self-hosted service on a private network and for the local fakes in dev and tests;
 *   metadata endpoints stay refused even then.
 *
 * Names are judged by their text: a Worker cannot resolve a name and pin the answer before `fetch`.
 * A public name that resolves to a private address is not caught here; in production a Worker's
 * subrequests leave through Cloudflare's network, where no private network or loopback of ours is
 * reachable. `guardedFetch` checks every request (not only the saved URL) and never follows a
 * redirect, so a public URL cannot bounce a request to a refused one.
 */

export interface OutboundPolicy {
  /** Private and loopback hosts allowed (operator setting `OUTBOUND_ALLOW_PRIVATE`). */
  allowPrivate: boolean;
}

export function outboundPolicy(env: { OUTBOUND_ALLOW_PRIVATE?: string }): OutboundPolicy {
  return { allowPrivate: /^(1|true|yes)$/i.test(env.OUTBOUND_ALLOW_PRIVATE?.trim() ?? '') };
}

export type HostKind = 'public' | 'private' | 'loopback' | 'metadata' | 'reserved';

export class OutboundUrlError extends Error {
  override name = 'OutboundUrlError';
}

/** Cloud metadata endpoints: refused whatever the policy. */
const METADATA_HOSTS = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
  '169.254.169.254',
  '169.254.170.2',
  '100.100.100.200',
  '[fd00:ec2::254]',
]);
const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa', '.lan', '.intranet', '.corp'];

function ipv4Kind(a: number, b: number, c: number): HostKind {
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private'; // carrier-grade NAT, shared address space
  if (a === 169 && b === 254) return 'metadata'; // link-local: where cloud metadata services live
  if (a === 0 || a >= 224) return 'reserved'; // "this network", multicast, reserved, broadcast
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return 'reserved'; // IETF assignments, TEST-NET-1
  if (a === 198 && (b === 18 || b === 19)) return 'reserved'; // benchmarking
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return 'reserved'; // TEST-NET
  return 'public';
}

function parseIpv4(host: string): [number, number, number, number] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number) as [number, number, number, number];
  return parts.every((n) => n <= 255) ? parts : null;
}

/**
 * The eight 16-bit groups of an IPv6 address as the URL parser serialises it (without brackets:
 * lower-case hex, `::` compression, an embedded IPv4 address already written as two hex groups).
 */
function parseIpv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string) =>
    s ? s.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? Number.parseInt(g, 16) : -1)) : [];
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array<number>(missing).fill(0), ...tail];
  return all.every((g) => g >= 0) ? all : null;
}

function ipv6Kind(g: number[]): HostKind {
  const embeddedV4 = () => ipv4Kind(g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 7) && g[7] === 1) return 'loopback';
  if (zeros(0, 8)) return 'reserved';
  if (zeros(0, 5) && g[5] === 0xffff) return embeddedV4(); // IPv4-mapped
  if (zeros(0, 6)) return embeddedV4(); // IPv4-compatible (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return embeddedV4(); // NAT64
  if (g[0] === 0x2002) return ipv4Kind(g[1]! >> 8, g[1]! & 0xff, g[2]! >> 8); // 6to4
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && zeros(2, 7) && g[7] === 0x254) return 'metadata';
  if ((g[0]! & 0xfe00) === 0xfc00) return 'private'; // unique local
  if ((g[0]! & 0xffc0) === 0xfe80 || (g[0]! & 0xffc0) === 0xfec0) return 'metadata'; // link-local, site-local
  if ((g[0]! & 0xff00) === 0xff00) return 'reserved'; // multicast
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'reserved'; // documentation
  if (g[0] === 0x0100 && zeros(1, 4)) return 'reserved'; // discard-only
  return 'public';
}

/** What a URL's hostname (as `new URL()` gives it: canonical IPv4 and IPv6) points at, judged by its text. */
export function hostKind(hostname: string): HostKind {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (METADATA_HOSTS.has(host)) return 'metadata';
  if (host.startsWith('[')) {
    const groups = parseIpv6(host.slice(1, -1));
    return groups ? ipv6Kind(groups) : 'reserved';
  }
  const v4 = parseIpv4(host);
  if (v4) return ipv4Kind(v4[0], v4[1], v4[2]);
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  if (!host.includes('.') || LOCAL_SUFFIXES.some((s) => host.endsWith(s))) return 'private';
  return 'public';
}

/**
 * The URL if we may call it under `policy`, else OutboundUrlError saying why (about the URL only:
 * nothing is fetched, so the answer reveals nothing about the target).
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
    throw new OutboundUrlError('points at a reserved or cloud metadata address');
  if (kind !== 'public' && !policy.allowPrivate)
    throw new OutboundUrlError('must be a public host (loopback, private and link-local addresses are refused)');
  if (url.protocol === 'http:' && kind === 'public')
    throw new OutboundUrlError('must use https (plain http only for an allowed private host)');
  return url;
}

/**
 * `fetch` for user-supplied URLs: every request's URL passes `checkOutboundUrl` first, and a
 * redirect is never followed (answered as an error), so it cannot lead to a refused host.
 */
export function guardedFetch(policy: OutboundPolicy, base: typeof fetch = (input, init) => fetch(input, init)) {
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    checkOutboundUrl(url, policy);
    const response = await base(input, { ...init, redirect: 'manual' });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new OutboundUrlError('answered with a redirect, which is not followed');
    }
    return response;
  };
}
