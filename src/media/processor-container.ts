/**
 * Production home of the media processor: a Cloudflare Container (Durable Object) running
 * container/Dockerfile. In dev and tests the same server runs as a local process instead
 * (PROCESSOR_URL), because containers need Docker.
 */
import { Container } from '@cloudflare/containers';

export class MediaProcessor extends Container<Env> {
  override defaultPort = 8080;
  // Long renders keep the instance busy; idle instances stop after this long.
  override sleepAfter = '10m';
}
