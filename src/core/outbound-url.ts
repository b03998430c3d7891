/**
 * The check every URL a user hands us to call goes through (webhook endpoints today), pure: it
 * parses the URL and judges its host by its text, so the answer never depends on (or reveals) what
 * is listening there.
 *
 * - https only; plain http only for a private or loopback host the operator allowed;
 * - no credentials in the URL;
 * - the host must be public: loopback, private (RFC 1918, unique local, CGNAT), link-local, cloud
 *   metadata, multicast and reserved addresses are refused in every spelling the WHATWG URL parser
 *   accepts (it already turns decimal, octal and hex IPv4 forms like `2130706433`, `0177.1` and
 *   `0x7f.1` into dotted quads; IPv4-mapped, IPv4-compatible, NAT64 and 6to4 IPv6 addresses are
 *   judged by the IPv4 address inside), and so are names that only mean something locally
 *   (`localhost`, `*.localhost`, `*.local`, `*.internal`, single-label names, metadata names);
 * - `OUTBOUND_ALLOW_PRIVATE=true` (an operator setting for dev and tests, absent in production)
 *   allows private and loopback hosts, over http too; metadata addresses stay refused even then.
 *
 * A public name that resolves to a private address is not caught by text: callers that fetch also
 * resolve the name first where they can (src/webhooks/resolve.ts) and never follow redirects.
 */

export interface OutboundPolicy {
  /** Private and loopback hosts allowed (operator setting `OUTBOUND_ALLOW_PRIVATE`; dev and tests only). */
  allowPrivate: boolean;
}

export function outboundPolicy(env: { OUTBOUND_ALLOW_PRIVATE?: string }): OutboundPolicy {
  return { allowPrivate: /^(1|true|yes)$/i.test(env.OUTBOUND_ALLOW_PRIVATE?.trim() ?? '') };
}

export type HostKind = 'public' | 'private' | 'loopback' | 'metadata' | 'reserved';

export class OutboundUrlError extends Error {
  override name = 'OutboundUrlError';
}

const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data']);
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
