import { describe, expect, it } from 'vitest';
import { OutboundUrlError, checkOutboundUrl, guardedFetch, hostKind } from '../../src/core/outbound-url.ts';

const production = { allowPrivate: false };
const privateAllowed = { allowPrivate: true };

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
];

const refusedAlways = [
  // Link-local and cloud metadata, even when private hosts are allowed.
  'http://169.254.169.254/latest/meta-data/',
  'http://[::ffff:169.254.169.254]/',
  'http://[::ffff:a9fe:a9fe]/',
  'http://2852039166/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://metadata/',
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
