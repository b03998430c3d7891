/**
 * Which processor this Worker talks to: `PROCESSOR_URL` when set (dev, tests, a self-hosted
 * processor), otherwise the `PROCESSOR` Container binding (production). Both speak the same
 * signed protocol; the secret is `PROCESSOR_SECRET`.
 *
 * A background operation lives in one container instance, so whoever follows it again later must
 * reach that same instance: `processorInstance` hands out a connection together with the
 * instance's name, and takes that name back to reconnect.
 */
import { getContainer } from '@cloudflare/containers';
import type { Bindings } from '../core/env.ts';
import { createProcessorClient, type ProcessorConnection } from './client.ts';
import { ProcessorError } from './errors.ts';
import type { ProcessorClient } from './contract.ts';

/** Container instances requests are spread over (each runs MAX_CONCURRENT_OPS operations). */
const CONTAINER_INSTANCES = 3;

/** A connection to one processor, and the name to reach the same one again (null: the only one, PROCESSOR_URL). */
export interface ProcessorInstance {
  name: string | null;
  connection: ProcessorConnection;
}

function pickInstanceName(): string {
  return `instance-${Math.floor(Math.random() * CONTAINER_INSTANCES)}`;
}

/** The processor named `name` (as an earlier `processorInstance` returned it), or one picked now. */
export function processorInstance(env: Bindings, name?: string | null): ProcessorInstance {
  const secret = env.PROCESSOR_SECRET ?? '';
  if (env.PROCESSOR_URL) {
    return {
      name: null,
      connection: createProcessorClient({ baseUrl: env.PROCESSOR_URL, secret, fetch: (request) => fetch(request) }),
    };
  }
  const instance = name ?? pickInstanceName();
  return {
    name: instance,
    connection: createProcessorClient({
      baseUrl: 'http://processor',
      secret,
      fetch: async (request) => {
        if (!env.PROCESSOR)
          throw new ProcessorError('unreachable', 'no PROCESSOR_URL and no PROCESSOR container binding');
        return getContainer(env.PROCESSOR, instance).fetch(request);
      },
    }),
  };
}

export function processorClient(env: Bindings): ProcessorClient {
  return processorInstance(env).connection;
}
