/**
 * The outbound URL module (src/core/outbound-url.ts), shared by Postiz connections and webhook
 * endpoints: every spelling of a loopback, private, link-local or metadata target is refused, as the
 * URL parser would read it; public https passes; plain http and private hosts only under the
 * operator's allowance, metadata never; names are checked where DNS says they point (stub
 * resolver); every request of a guarded fetch is checked and no redirect is followed.
 */
import { describe, expect, it } from 'vitest';
import {
  DnsUnavailableError,
  OutboundUrlError,
  addressKind,
  checkOutboundTarget,
  checkOutboundUrl,
  checkResolvedHost,
  guardedFetch,
  hostKind,
  outboundPolicy,
} from '../../src/core/outbound-url.ts';

const production = outboundPolicy({});
const privateAllowed = outboundPolicy({ OUTBOUND_ALLOW_PRIVATE: 'true' });

const refusedInProduction = [
  // Loopback in every spelling the URL parser accepts.
  'http://127.0.0.1:8080/',
  'https://127.0.0.1/',
  'https://127.1/',
  'https://2130706433/',
  'https://0x7f000001/',
  'https://0x7f.0.0.1/',
  'https://0177.0.0.1/',
  'https://017700000001/',
  'https://[::1]/',
  'https://[0:0:0:0:0:0:0:1]/',
  'https://[::ffff:127.0.0.1]/',
  'https://[::ffff:7f00:1]/',
  'https://[::127.0.0.1]/',
  'https://[2002:7f00:1::]/',
  'https://[64:ff9b::7f00:1]/',
  'https://localhost/',
  'https://LOCALHOST./',
  'https://api.localhost/',
  // Private networks.
  'https://10.0.0.1/',
  'https://172.16.5.4/',
  'https://172.31.255.255/',
  'https://192.168.1.10/',
  'https://100.64.0.1/',
  'https://[fc00::1]/',
  'https://[fd12:3456::1]/',
  'https://[::ffff:10.1.2.3]/',
  'https://[64:ff9b::a00:1]/',
  'https://intranet/',
  'https://postiz.internal/',
  'https://nas.local/',
  'https://router.home.arpa/',
  'https://printer.local/',
];

const refusedAlways = [
  // Link-local and cloud metadata, even when private hosts are allowed.
  'http://169.254.169.254/latest/meta-data/',
  'http://[::ffff:169.254.169.254]/',
  'http://[::ffff:a9fe:a9fe]/',
  'http://2852039166/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://metadata/',
  'http://instance-data.ec2.internal/latest/meta-data/',
  'http://0xa9fea9fe/',
  'http://[fe80::1]/',
  'http://[fd00:ec2::254]/',
  'http://100.100.100.200/',
  // Unspecified, multicast, reserved, documentation.
  'http://0.0.0.0/',
  'http://0/',
  'http://[::]/',
  'http://224.0.0.1/',
  'http://255.255.255.255/',
  'http://[ff02::1]/',
  'http://192.0.2.10/',
  'http://[2001:db8::1]/',
  // Not http(s), or with credentials.
  'file:///etc/passwd',
  'ftp://example.com/',
  'gopher://example.com/',
  'https://user:pass@example.com/',
  'not a url',
];

describe('outbound URL check', () => {
  it('refuses loopback and private hosts in production, in every spelling', () => {
    for (const url of refusedInProduction) {
      expect(() => checkOutboundUrl(url, production), url).toThrow(OutboundUrlError);
    }
  });

  it('allows them (http too) only with the operator setting', () => {
    for (const url of refusedInProduction) expect(checkOutboundUrl(url, privateAllowed).href, url).toBeTruthy();
  });

  it('refuses metadata, link-local, reserved and non-http targets whatever the setting', () => {
    for (const url of refusedAlways) {
      expect(() => checkOutboundUrl(url, production), url).toThrow(OutboundUrlError);
      expect(() => checkOutboundUrl(url, privateAllowed), url).toThrow(OutboundUrlError);
    }
  });

  it('accepts public https hosts and refuses plain http to them', () => {
    for (const url of [
      'https://api.postiz.com/public/v1',
      'https://8.8.8.8/',
      'https://[2606:4700:4700::1111]/',
      'https://172.32.0.1/',
      'https://postiz.example.org:8443/api/public/v1',
    ])
      expect(checkOutboundUrl(url, production).href).toBe(new URL(url).href);
    expect(() => checkOutboundUrl('http://api.postiz.com/public/v1', production)).toThrow(/https/);
    expect(() => checkOutboundUrl('http://api.postiz.com/public/v1', privateAllowed)).toThrow(/https/);
  });

  it('classifies the hosts the URL parser gives', () => {
    expect(hostKind(new URL('http://0x7f.1/').hostname)).toBe('loopback');
    expect(hostKind(new URL('http://[::ffff:192.168.0.1]/').hostname)).toBe('private');
    expect(hostKind(new URL('http://169.254.1.1/').hostname)).toBe('metadata');
    expect(hostKind(new URL('http://example.com/').hostname)).toBe('public');
  });

  it('reads the operator settings strictly', () => {
    expect(outboundPolicy({ OUTBOUND_ALLOW_PRIVATE: 'false' }).allowPrivate).toBe(false);
    expect(outboundPolicy({ OUTBOUND_ALLOW_PRIVATE: 'yes please' }).allowPrivate).toBe(false);
    expect(outboundPolicy({ OUTBOUND_ALLOW_PRIVATE: ' TRUE ' }).allowPrivate).toBe(true);
    expect(outboundPolicy({ OUTBOUND_DNS_RESOLVER: '' }).dnsResolver).toBeUndefined();
    expect(outboundPolicy({ OUTBOUND_DNS_RESOLVER: 'https://dns.test/q' }).dnsResolver).toBe('https://dns.test/q');
  });

  it('judges addresses (as DNS answers give them) by their ranges', () => {
    expect(addressKind('93.184.216.34')).toBe('public');
    expect(addressKind('10.0.0.7')).toBe('private');
    expect(addressKind('::1')).toBe('loopback');
    expect(addressKind('::ffff:10.1.1.1')).toBe('private');
    expect(addressKind('2606:2800:220:1::1')).toBe('public');
    expect(addressKind('fe80::abcd')).toBe('metadata');
    expect(addressKind('hooks.example.com')).toBeNull();
    expect(hostKind('[::ffff:7f00:1]')).toBe('loopback');
  });

  it('checks every request and never follows a redirect', async () => {
    const seen: string[] = [];
    const upstream = async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push(`${String(input)} ${init?.redirect}`);
      return String(input).endsWith('/moved')
        ? new Response(null, { status: 302, headers: { Location: 'http://169.254.169.254/' } })
        : new Response('ok');
    };
    const guarded = guardedFetch(production, upstream as typeof fetch);
    expect(await (await guarded('https://api.postiz.com/ok')).text()).toBe('ok');
    await expect(guarded('https://api.postiz.com/moved')).rejects.toThrow(/redirect/);
    await expect(guarded('http://127.0.0.1:5000/')).rejects.toThrow(OutboundUrlError);
    expect(seen).toEqual(['https://api.postiz.com/ok manual', 'https://api.postiz.com/moved manual']);
  });
});

describe('DNS check of outbound names', () => {
  const answers: Record<string, { Status: number; Answer?: { type: number; data: string }[] }> = {
    'good.example/A': {
      Status: 0,
      Answer: [
        { type: 5, data: 'cdn.example.' },
        { type: 1, data: '93.184.216.34' },
      ],
    },
    'good.example/AAAA': { Status: 0, Answer: [] },
    'rebind.example/A': { Status: 0, Answer: [{ type: 1, data: '93.184.216.34' }] },
    'rebind.example/AAAA': { Status: 0, Answer: [{ type: 28, data: 'fd00::5' }] },
    'gone.example/A': { Status: 3 },
    'gone.example/AAAA': { Status: 3 },
  };
  const resolver: typeof fetch = async (input) => {
    const url = new URL(String(input));
    const key = `${url.searchParams.get('name')}/${url.searchParams.get('type')}`;
    return Response.json(answers[key] ?? { Status: 2 });
  };
  const withResolver = outboundPolicy({ OUTBOUND_DNS_RESOLVER: 'https://dns.test/dns-query' });
  const check = (host: string, policy = withResolver) =>
    checkResolvedHost(new URL(`https://${host}/hook`), policy, resolver);

  it('passes names whose every address is public, refuses any private one', async () => {
    await expect(check('good.example')).resolves.toBeUndefined();
    await expect(check('rebind.example')).rejects.toThrow(/resolves to/);
    await expect(check('gone.example')).rejects.toThrow(/does not resolve/);
    await expect(check('broken.example')).rejects.toBeInstanceOf(DnsUnavailableError);
  });

  it('is skipped for IP literals and where private targets are allowed', async () => {
    await expect(check('93.184.216.34')).resolves.toBeUndefined();
    await expect(check('rebind.example', { ...withResolver, allowPrivate: true })).resolves.toBeUndefined();
    await expect(check('rebind.example', production)).resolves.toBeUndefined(); // no resolver configured
  });

  it('is part of the target check and of every guarded request', async () => {
    await expect(checkOutboundTarget('https://good.example/hook', withResolver, resolver)).resolves.toBeInstanceOf(URL);
    await expect(checkOutboundTarget('https://rebind.example/hook', withResolver, resolver)).rejects.toThrow(
      OutboundUrlError,
    );
    const upstream: string[] = [];
    const guarded = guardedFetch(
      withResolver,
      async (input) => {
        upstream.push(String(input));
        return new Response('ok');
      },
      resolver,
    );
    expect(await (await guarded('https://good.example/x')).text()).toBe('ok');
    await expect(guarded('https://rebind.example/x')).rejects.toThrow(/resolves to/);
    expect(upstream).toEqual(['https://good.example/x']);
  });
});
