/** Worker entry: the production job types wired into the Worker, and the Container class. */
import { productionJobs } from './job-handlers/index.ts';
import { createWorker } from './worker.ts';

export { MediaProcessor } from './processor/container.ts';

export default createWorker(productionJobs);
