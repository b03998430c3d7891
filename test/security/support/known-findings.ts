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

export const KNOWN_FINDINGS: readonly KnownFinding[] = [
  {
    id: '1',
    title: 'match-srt runs an unbounded quadratic similarity synchronously (one request stalls the API)',
    cases: [/^worst case › POST \/api\/v1\/segments\/match-srt\b/],
  },
  {
    id: '2',
    title: 'an upload URL can be used again and a late PUT replaces bytes that were already checked',
    cases: [
      /^signed urls › upload url: a second PUT before complete/,
      /^signed urls › upload race: a PUT started before complete and finished after the probe/,
    ],
  },
  {
    id: '3',
    title: 'PUT /postiz/config calls any URL, reflects the upstream body and tells open from closed ports',
    cases: [
      /^ssrf › PUT \/postiz\/config refuses a loopback api_url \(http:\/\/(127\.0\.0\.1|localhost|127\.1|2130706433|0x7f000001)\)/,
      /^ssrf › PUT \/postiz\/config refuses a private or metadata api_url/,
      /^ssrf › PUT \/postiz\/config never reflects the upstream answer/,
      /^ssrf › PUT \/postiz\/config answers an open and a closed port alike/,
    ],
  },
  {
    id: '4',
    title: 'profiles raise their own limits past deployment caps; quota checks are check-then-insert',
    cases: [
      /^limits › a profile cannot raise max_concurrent_jobs past the deployment’s limit/,
      /^limits › a profile cannot raise daily_processing_minutes past the deployment’s limit/,
      /^limits › concurrent job requests do not overshoot max_concurrent_jobs/,
    ],
  },
  {
    id: '5',
    title: 'smaller holes: absurd token exp, Range start past 2^53, NUL and bidi controls kept in names',
    cases: [
      /^jwt › absurd exp/,
      /^signed urls › range start past 2\^53/,
      /^malformed input › [A-Z]+ \S+( \(\w+\))? › control characters in (name|variant_name|filename)$/,
    ],
  },
];

export function knownFindingOf(fullName: string): KnownFinding | undefined {
  return KNOWN_FINDINGS.find((f) => f.cases.some((pattern) => pattern.test(fullName)));
}
