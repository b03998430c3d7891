/**
 * Request bodies are parsed with the contract's schemas (shared/processor/operations.ts), every
 * media URL checked against the allowed origins. A body that does not fit answers
 * `invalid_request` naming the field, e.g. `preset.width: must be an integer`, with every problem
 * in `details`. What a schema cannot say (the output types an operation writes, SRT syntax) is
 * checked here after the parse, before any work starts.
 */
import type { z } from 'zod';
import {
  type OperationRequest,
  type ProcessorOperation,
  processorRequestSchemas,
} from '../../shared/processor/operations.ts';
import { invalidRequest } from './errors.ts';
import { mediaUrlCheck } from './media/media-url.ts';
import type { Operation } from './operation.ts';

export interface FieldProblem {
  /** e.g. `inputs[2].url`; `(root)` for the body itself. */
  path: string;
  message: string;
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out;
}

const KIND: Record<string, string> = {
  number: 'a finite number',
  int: 'an integer',
  string: 'a string',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
};

/** Phrases a problem the way the processor always has; messages a schema sets itself win. */
const phrase: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined || issue.input === null) return 'is required';
      return `must be ${KIND[issue.expected] ?? issue.expected}`;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const least = issue.code === 'too_small';
      if (issue.origin === 'string') return `must have ${least ? 'at least' : 'at most'} ${bound} characters`;
      if (issue.origin === 'array') return `must have ${least ? 'at least' : 'at most'} ${bound} items`;
      return `must be ${least ? (issue.inclusive === false ? '>' : '≥') : issue.inclusive === false ? '<' : '≤'} ${bound}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue
        ? `must match ${String(issue.pattern)}`
        : `must be a valid ${issue.format}`;
    default:
      return undefined;
  }
};

/** Every problem of a failed parse, one per field (an unknown field each on its own). */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue): FieldProblem[] => {
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ path: fieldPath([...issue.path, key]), message: 'unknown field' }));
    return [{ path: fieldPath(issue.path) || '(root)', message: issue.message }];
  });
}

/** Parses a JSON body into `operation`'s request, or throws `invalid_request`. */
export type RequestParser = <O extends ProcessorOperation>(
  operation: Operation<O>,
  body: unknown,
) => OperationRequest<O>;

export function createRequestParser(allowedOrigins: readonly string[]): RequestParser {
  const schemas = processorRequestSchemas(mediaUrlCheck(allowedOrigins));
  return <O extends ProcessorOperation>(operation: Operation<O>, body: unknown): OperationRequest<O> => {
    // Indexed by a generic name TypeScript cannot narrow; the map pairs each name with its schema.
    const schema = schemas[operation.name] as unknown as z.ZodType<OperationRequest<O>>;
    const parsed = schema.safeParse(body, { error: phrase });
    if (!parsed.success) {
      const problems = fieldProblems(parsed.error);
      const first = problems[0] ?? { path: '(root)', message: 'is not a valid request' };
      throw invalidRequest(`${first.path === '(root)' ? '(body)' : first.path}: ${first.message}`, problems);
    }
    const request = parsed.data;
    const output = (request as { output?: { content_type: string } }).output;
    if (output && operation.outputTypes && !operation.outputTypes.includes(output.content_type)) {
      throw invalidRequest(`output.content_type: must be one of ${operation.outputTypes.join(', ')}`);
    }
    return operation.check ? operation.check(request) : request;
  };
}
