/** Provider failures as the short reasons /usage and /gemini/status report (as the original did). */
import { ProviderError } from '../../providers/provider-error.ts';

export const tags = ['Usage'];

/** A readable reason, as the original mapped them. */
export function providerProblem(err: unknown): string {
  if (!(err instanceof ProviderError)) return err instanceof Error ? err.message : String(err);
  switch (err.kind) {
    case 'auth':
      return 'Invalid API key';
    case 'quota':
      return 'Quota exceeded - check billing';
    case 'rate_limited':
      return 'Rate limited - try again shortly';
    case 'not_found':
      return `Not found: ${err.message}`;
    default:
      return err.message;
  }
}
