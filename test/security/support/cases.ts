/**
 * How the attack suite declares a case: `const attack = casesOf('jwt'); attack('alg none', fn)`.
 * Every case is one vitest test named `<case>` carrying its section in its meta, so the summary
 * reporter (reporter.ts) can count tried / held per section. A case a known finding makes fail
 * (known-findings.ts) is declared expected-to-fail and tagged with the finding.
 */
import { type TestContext, it } from 'vitest';
import { knownFindingOf } from './known-findings.ts';

declare module 'vitest' {
  interface TaskMeta {
    /** Attack-suite section (`bola`, `jwt`, …). */
    securitySection?: string;
    /** Issue 14 finding that makes this case fail until it is fixed. */
    knownFinding?: string;
    /** Figures the case measured, printed in the summary. */
    measured?: string;
  }
}

export type AttackFn = (context: TestContext) => Promise<void> | void;

export function casesOf(section: string) {
  return (name: string, fn: AttackFn, timeout?: number) => {
    const finding = knownFindingOf(`${section} › ${name}`);
    it(
      name,
      {
        fails: finding !== undefined,
        timeout,
        meta: { securitySection: section, ...(finding ? { knownFinding: finding.id } : {}) },
      },
      fn,
    );
  };
}
