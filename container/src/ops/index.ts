/** Every operation the processor serves, by the name in `POST /v1/{operation}`. */
import type { ProcessorOperation } from '../../../src/media/processor-types.ts';
import type { Operation } from '../operation.ts';
import { probeOperation } from './probe.ts';

export const operations: { [O in ProcessorOperation]?: Operation<O> } = {
  probe: probeOperation,
};
