/** runProcess's lower priority: the child runs at this server's niceness plus the amount asked for. */
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../../src/media/run-process.ts';

/** A child that reports its own niceness once it has been running a moment. */
const reportNiceness = (lowerPriority?: number) =>
  runProcess(
    process.execPath,
    ['-e', 'setTimeout(() => process.stdout.write(String(require("node:os").getPriority())), 300)'],
    { timeoutMs: 20_000, lowerPriority },
  );

describe('runProcess lowerPriority', () => {
  it('runs the child that much nicer than this process (at most 19)', async () => {
    const own = getPriority();
    const child = await reportNiceness(5);
    expect(Number(child.stdout.toString())).toBe(Math.min(19, own + 5));
  });

  it('leaves the priority alone when not asked', async () => {
    const child = await reportNiceness();
    expect(Number(child.stdout.toString())).toBe(getPriority());
  });
});
