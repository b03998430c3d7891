/** The Worker under test (vitest.config.ts `main`): the production Worker with the tests' job types. */
import { createWorker } from '../../../src/worker.ts';
import { testJobs } from './jobs.ts';

export { JobEventsHub } from '../../../src/jobs/job-events.ts';
export { MediaProcessor } from '../../../src/processor/container.ts';

export default createWorker(testJobs);
