/**
 * The Worker's view of the processor contract. The contract itself (schemas and the types inferred
 * from them) lives in shared/processor/, which the processor (container/) runs too; see
 * shared/processor/protocol.ts for the wire protocol.
 */
export type * from '../../shared/processor/errors.ts';
export type * from '../../shared/processor/media.ts';
export type * from '../../shared/processor/operations.ts';
export type * from '../../shared/processor/protocol.ts';
export type { ProcessorClient } from './client.ts';
