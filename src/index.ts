/** Worker entry: the production job types wired into the Worker, and the Container class. */
import { productionJobs } from './job-handlers/index.ts';
import { createWorker } from './worker.ts';

export { JobEventsHub } from './jobs/job-events.ts';
export { MediaProcessor } from './processor/container.ts';
// The Container's outbound handlers (its storage host) run through this entrypoint.
export { ContainerProxy } from '@cloudflare/containers';

export default createWorker(productionJobs);
