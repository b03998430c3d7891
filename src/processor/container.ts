/**
 * Production home of the media processor: a Cloudflare Container (Durable Object) running
 * container/Dockerfile. In dev and tests the same server runs as a local process instead
 * (PROCESSOR_URL), because containers need Docker. The container gets the shared secret and the
 * one origin its media URLs may point at (the storage host) as environment variables.
 *
 * The container has no internet. Its only way out is the storage host (shared/processor/storage.ts):
 * the outbound handler below answers it inside the Workers runtime, with the R2 binding, so inputs
 * and outputs of any size never take the public edge (and its 100 MB request body limit).
 */
import { Container, type OutboundHandler } from '@cloudflare/containers';
import { STORAGE_HOST, STORAGE_ORIGIN } from '../../shared/processor/storage.ts';
import type { Bindings } from '../core/env.ts';
import { PROCESSOR_OPS_PER_INSTANCE } from '../core/limits.ts';
import { handleStorageRequest } from '../storage/processor-gateway.ts';

const storageHost: OutboundHandler = (request, env) => handleStorageRequest(request, env as unknown as Bindings);

export class MediaProcessor extends Container {
  override defaultPort = 8080;
  // Long renders keep the instance busy; idle instances stop after this long.
  override sleepAfter = '10m';
  // Nothing but the storage host (intercepted above) is reachable.
  override enableInternet = false;

  // biome-ignore lint/complexity/noBannedTypes: the Container base class is declared with this state type.
  constructor(ctx: DurableObjectState<{}>, env: Cloudflare.Env) {
    super(ctx, env);
    const bindings = env as unknown as Bindings;
    this.envVars = {
      PROCESSOR_SECRET: bindings.PROCESSOR_SECRET ?? '',
      ALLOWED_MEDIA_ORIGINS: STORAGE_ORIGIN,
      // The placement (placement.ts) leases this many slots per instance: the processor takes as many.
      MAX_CONCURRENT_OPS: String(PROCESSOR_OPS_PER_INSTANCE),
      PORT: '8080',
      HOST: '0.0.0.0',
    };
  }

  /**
   * Background operations keep running while no request is open (between two queue deliveries
   * that follow them), so "idle" means no operation in flight, not just no request: the container
   * stops only when its processor says nothing runs.
   */
  override async onActivityExpired(): Promise<void> {
    if (!this.ctx.container?.running) return;
    const inFlight = await this.containerFetch('http://processor/health')
      .then(async (res) => ((await res.json()) as { in_flight?: number }).in_flight ?? 0)
      .catch(() => 0);
    if (inFlight > 0) this.renewActivityTimeout();
    else await this.stop();
  }
}

MediaProcessor.outboundByHost = { [STORAGE_HOST]: storageHost };
