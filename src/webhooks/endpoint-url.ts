/**
 * The one check of an endpoint URL, when it is saved and before every attempt
 * (docs/webhooks.md#endpoint-urls): the outbound URL rules (src/core/outbound-url.ts: https,
 * public hosts only unless the operator allows private ones in dev), then where its name resolves.
 * Throws OutboundUrlError (refused) or DnsUnavailableError (cannot tell now).
 */
import type { Bindings } from '../core/env.ts';
import { checkOutboundUrl, outboundPolicy } from '../core/outbound-url.ts';
import { checkResolvedHost } from './resolve.ts';

export async function checkEndpointUrl(env: Bindings, raw: string, fetcher?: typeof fetch): Promise<URL> {
  const policy = outboundPolicy(env);
  const url = checkOutboundUrl(raw, policy);
  await checkResolvedHost(url, policy, env.OUTBOUND_DNS_RESOLVER || undefined, fetcher);
  return url;
}
