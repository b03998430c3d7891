/**
 * The outbound URL check (src/core/outbound-url.ts): every spelling of a loopback, private,
 * link-local or metadata target is refused, as the URL parser would read it; public https passes;
 * plain http and private hosts only under the operator's allowance, metadata never.
 */
import { describe, expect, it } from 'vitest';
import {
  OutboundUrlError,
  addressKind,
  checkOutboundUrl,
  hostKind,
  outboundPolicy,
} from '../../src/core/outbound-url.ts';

const production = outboundPolicy({});
const dev = outboundPolicy({ OUTBOUND_ALLOW_PRIVATE: 'true' });

const refusal = (url: string, policy = production) => {
  try {
    checkOutboundUrl(url, policy);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(OutboundUrlError);
    return (err as Error).message;
  }
};

describe('outbound URLs', () => {
  it('reads the operator setting strictly', () => {
    expect(outboundPolicy({ OUTBOUND_ALLOW_PRIVATE: 'false' }).allowPrivate).toBe(false);
    expect(outboundPolicy({ OUTBOUND_ALLOW_PRIVATE: 'yes please' }).allowPrivate).toBe(false);
    expect(outboundPolicy({ OUTBOUND_ALLOW_PRIVATE: ' TRUE ' }).allowPrivate).toBe(true);
  });

  it('accepts public https URLs', () => {
    for (const url of [
      'https://hooks.example.com/cutroom',
      'https://93.184.216.34:8443/x',
      'https://[2606:4700::1111]/',
    ])
      expect(refusal(url), url).toBeNull();
  });

  it.each([
    // loopback in every spelling the URL parser accepts
    'https://127.0.0.1/',
    'https://127.1/',
    'https://2130706433/',
    'https://0x7f000001/',
    'https://0x7f.0.0.1/',
    'https://0177.0.0.1/',
    'https://017700000001/',
    'https://localhost./',
    'https://api.localhost/',
    'https://[::1]/',
    'https://[0:0:0:0:0:0:0:1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:7f00:1]/',
    'https://[::127.0.0.1]/',
    'https://[64:ff9b::127.0.0.1]/',
    'https://[2002:7f00:1::]/',
    // private networks
    'https://10.0.0.1/',
    'https://172.16.5.4/',
    'https://172.31.255.255/',
    'https://192.168.0.10/',
    'https://100.64.0.1/',
    'https://[fd12:3456::1]/',
    'https://[::ffff:192.168.1.1]/',
    'https://intranet/',
    'https://printer.local/',
    'https://db.internal/',
    // link-local and cloud metadata
    'https://169.254.169.254/latest/meta-data',
    'https://0xa9fea9fe/',
    'https://2852039166/',
    'https://[fe80::1]/',
    'https://[::ffff:169.254.169.254]/',
    'https://[fd00:ec2::254]/',
    'https://100.100.100.200/',
    'https://metadata.google.internal/computeMetadata/v1/',
    // reserved
    'https://0.0.0.0/',
    'https://[::]/',
    'https://224.0.0.1/',
    'https://255.255.255.255/',
  ])('refuses %s', (url) => {
    expect(refusal(url)).not.toBeNull();
  });

  it('refuses other schemes, credentials and plain http to public hosts', () => {
    expect(refusal('ftp://example.com/')).toMatch(/https/);
    expect(refusal('file:///etc/passwd')).toMatch(/https/);
    expect(refusal('https://user:secret@example.com/')).toMatch(/credentials/);
    expect(refusal('http://example.com/')).toMatch(/https/);
    expect(refusal('http://example.com/', dev)).toMatch(/https/);
    expect(refusal('not a url')).toMatch(/valid URL/);
  });

  it('allows loopback and private hosts (also over http) only where the operator allows them; metadata never', () => {
    expect(refusal('http://127.0.0.1:8787/hooks', dev)).toBeNull();
    expect(refusal('https://10.0.0.5/', dev)).toBeNull();
    expect(refusal('http://localhost:3000/', dev)).toBeNull();
    expect(refusal('http://169.254.169.254/', dev)).toMatch(/metadata/);
    expect(refusal('http://[fe80::1]/', dev)).toMatch(/metadata/);
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
});
