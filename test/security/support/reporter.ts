/**
 * The attack suite's closing summary (added to vitest's own reporter by vitest.security.config.ts):
 *
 *   security: tried N, held M, known findings K (1 ×1, 2 ×2, …), failed F
 *
 * per section first, then the total. `held` are the cases that passed; a case of a known finding
 * that failed as expected counts under `known findings`; `failed` are cases that failed without a
 * known finding, and known-finding cases that now hold (flip them in known-findings.ts).
 */
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import { KNOWN_FINDINGS } from './known-findings.ts';

interface Tally {
  tried: number;
  held: number;
  known: Map<string, number>;
  failed: string[];
}

const newTally = (): Tally => ({ tried: 0, held: 0, known: new Map(), failed: [] });

function add(tally: Tally, test: TestCase): void {
  const state = test.result().state;
  if (state === 'skipped' || state === 'pending') return;
  const finding = test.meta().knownFinding;
  tally.tried++;
  if (finding) {
    // Declared `fails`: vitest reports it passed when the case failed as the finding predicts.
    if (state === 'passed') tally.known.set(finding, (tally.known.get(finding) ?? 0) + 1);
    else tally.failed.push(`${test.fullName} — finding ${finding} now holds: remove it from known-findings.ts`);
  } else if (state === 'passed') tally.held++;
  else tally.failed.push(test.fullName);
}

const knownCount = (t: Tally) => [...t.known.values()].reduce((a, b) => a + b, 0);
const knownList = (t: Tally) =>
  [...t.known.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, n]) => `${id} ×${n}`)
    .join(', ');

function line(label: string, t: Tally): string {
  const known = knownCount(t);
  return `${label}: tried ${t.tried}, held ${t.held}, known findings ${known}${known ? ` (${knownList(t)})` : ''}, failed ${t.failed.length}`;
}

export default class SecuritySummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const total = newTally();
    const sections = new Map<string, Tally>();
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const section = test.meta().securitySection ?? 'other';
        if (!sections.has(section)) sections.set(section, newTally());
        add(sections.get(section)!, test);
        add(total, test);
      }
    }
    const out: string[] = ['', 'Attack suite (docs/security.md)'];
    for (const module of testModules)
      for (const test of module.children.allTests()) {
        const measured = test.meta().measured;
        if (measured) out.push(`  measured: ${test.name}: ${measured}`);
      }
    for (const [name, tally] of [...sections.entries()].sort(([a], [b]) => a.localeCompare(b)))
      out.push(`  ${line(name, tally)}`);
    for (const finding of KNOWN_FINDINGS) {
      const n = total.known.get(finding.id);
      if (n) out.push(`  known finding ${finding.id} (${n} case${n === 1 ? '' : 's'}): ${finding.title}`);
    }
    for (const failure of total.failed) out.push(`  FAILED ${failure}`);
    out.push(line('security', total), '');
    process.stdout.write(`${out.join('\n')}\n`);
  }
}
