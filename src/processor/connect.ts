/**
 * Which processor this Worker talks to: `PROCESSOR_URL` when set (dev, tests, a self-hosted
 * processor), otherwise the `PROCESSOR` Container binding (production). Both speak the same
 * signed protocol; the secret is `PROCESSOR_SECRET`.
 */
import { getRandom } from '@cloudflare/containers';
import type { Bindings } from '../core/env.ts';
import { createProcessorClient } from './client.ts';
import { ProcessorError } from './errors.ts';
import type { ProcessorClient } from './contract.ts';

/** Container instances requests are spread over (each runs MAX_CONCURRENT_OPS operations). */
const CONTAINER_INSTANCES = 3;

export function processorClient(env: Bindings): ProcessorClient {
  const secret = env.PROCESSOR_SECRET ?? '';
  if (env.PROCESSOR_URL) {
    return createProcessorClient({ baseUrl: env.PROCESSOR_URL, secret, fetch: (request) => fetch(request) });
  }
  return createProcessorClient({
    baseUrl: 'http://processor',
    secret,
    fetch: async (request) => {
      if (!env.PROCESSOR)
        throw new ProcessorError('unreachable', 'no PROCESSOR_URL and no PROCESSOR container binding');
      const stub = await getRandom(env.PROCESSOR, CONTAINER_INSTANCES);
      return stub.fetch(request);
    },
  });
}
