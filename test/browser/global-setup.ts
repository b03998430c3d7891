/** Builds the studio once for every browser test file (the Worker serves studio/dist). */
import { buildStudio } from '../../scripts/studio.ts';

export default async function setup(): Promise<void> {
  await buildStudio();
}
