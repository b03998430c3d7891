/**
 * Holes the attack suite knows about and that are not fixed yet (issue 14, "Findings to fix").
 * Each lists exactly the cases it makes fail, by the case's full name (`<section> › <case>`).
 * Those cases run as expected-to-fail (`it.fails`): the run stays green while the hole is open,
 * the summary lists them apart, and a case that starts to hold fails the run with "flip it" —
 * then delete its pattern here (or the whole finding) in the change that fixes it.
 */
export interface KnownFinding {
  /** The finding's number in issue 14. */
  id: string;
  title: string;
  /** Full case names this finding makes fail. */
  cases: RegExp[];
}

/**
 * Empty: the five findings of issue 14 are fixed (branch i14-fixes), and every case that listed them
 * now asserts the fix.
 */
export const KNOWN_FINDINGS: readonly KnownFinding[] = [];

export function knownFindingOf(fullName: string): KnownFinding | undefined {
  return KNOWN_FINDINGS.find((f) => f.cases.some((pattern) => pattern.test(fullName)));
}
