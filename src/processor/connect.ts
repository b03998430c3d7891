/**
 * Which processor this Worker talks to: `PROCESSOR_URL` when set (dev, tests, a self-hosted
 * processor), otherwise the `PROCESSOR` Container binding (production). Both speak the same
 * signed protocol; the secret is `PROCESSOR_SECRET`.
 *
 * A background operation lives in one container instance, chosen by the placement (placement.ts)
 * and recorded with the operation, so whoever follows it again later reaches that same instance.
 * With PROCESSOR_URL every instance name reaches the one local processor: the placement still
 * decides, and its decisions are recorded the same way.
 */
import { getContainer } from '@cloudflare/containers';
import type { Bindings } from '../core/env.ts';
import { createProcessorClient, type ProcessorConnection } from './client.ts';
import { ProcessorError } from './errors.ts';
import type { ProcessorClient } from './contract.ts';
import { instanceName } from '../db/repos/processor-leases.ts';

/** A connection to one processor instance, and its name. */
export interface ProcessorInstance {
  name: string;
  connection: ProcessorConnection;
}

/** The processor instance `name` (a placement's decision; null: a row recorded before placement, the first instance). */
export function processorInstance(env: Bindings, name: string | null): ProcessorInstance {
  const secret = env.PROCESSOR_SECRET ?? '';
  const instance = name ?? instanceName(0);
  if (env.PROCESSOR_URL) {
    return {
      name: instance,
      connection: createProcessorClient({ baseUrl: env.PROCESSOR_URL, secret, fetch: (request) => fetch(request) }),
    };
  }
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

/** A client for calls that hold no slot (health checks, one-off requests): the first instance. */
export function processorClient(env: Bindings): ProcessorClient {
  return processorInstance(env, null).connection;
}
