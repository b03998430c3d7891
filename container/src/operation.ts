/**
 * What every operation module provides (its name, what the contract's schema cannot check, and
 * `run`) and what it gets to run with: limits, a cancellation signal, a deadline, progress
 * reporting, a temp dir, and helpers that apply the processor's safety rules to every probe,
 * ffmpeg run and upload. Request bodies are parsed before that, in request.ts.
 */
import type { MediaInput, MediaOutput } from '../../shared/processor/media.ts';
import type { OperationRequest, OperationResult, ProcessorOperation } from '../../shared/processor/operations.ts';
import type { ProcessorConfig } from './config.ts';
import { ProcessorFailure } from './errors.ts';
import { type FfmpegRunOptions, inputArgs, type InputSource, runFfmpeg } from './media/ffmpeg.ts';
import {
  type GateRequirements,
  inspectOutput,
  type MediaInfo,
  type ProbedMedia,
  type ProbeOptions,
  probeMedia,
} from './media/probe.ts';
import type { GatewaySession } from './media/range-gateway.ts';
import type { RunResult } from './media/run-process.ts';
import { uploadFile, uploadStream } from './media/upload.ts';
import type { ByteSource } from './mp4/byte-source.ts';

export interface OpContext {
  config: ProcessorConfig;
  signal: AbortSignal;
  tempDir: string;
  /** Reports progress 0–100 with a short step name. */
  progress(percent: number, step: string): void;
  remainingMs(): number;
  probe(
    source: InputSource,
    needs?: GateRequirements,
    extra?: Omit<ProbeOptions, 'limits' | 'timeoutMs' | 'signal' | 'needs'>,
  ): Promise<ProbedMedia>;
  /** Probes a file this operation wrote (no gate: outputs are ours), e.g. to report its size. */
  inspect(path: string, options?: { packets?: boolean }): Promise<MediaInfo>;
  /** `-i` arguments for an input with the processor's whitelists; `before` = -ss/-t etc. */
  input(source: InputSource, before?: readonly string[]): string[];
  ffmpeg(args: readonly string[], options?: Omit<FfmpegRunOptions, 'timeoutMs' | 'signal'>): Promise<RunResult>;
  upload(path: string, output: MediaOutput): Promise<number>;
  /** Streams an output made on the fly (exactly `size` bytes; `produce` runs once per attempt). */
  uploadStream(output: MediaOutput, size: number, produce: () => AsyncIterable<Uint8Array>): Promise<number>;
  /** In-process ranged reads of an input URL, through the range gateway (shared cache, same limits). */
  bytes(url: string): ByteSource;
  /** Uploads an output while reading it back (ffprobe): `{ written, size }`. */
  deliver(path: string, output: MediaOutput): Promise<{ written: MediaInfo; size: number }>;
  /** The next read of this input takes about `bytes` from byte `position`: fetch them in one request. */
  expectRead(source: InputSource, position: number, bytes: number): void;
  /** This input will be read from start to end: fetch ahead of ffmpeg. */
  expectWholeRead(source: InputSource): void;
}

interface OperationBase<O extends ProcessorOperation> {
  name: O;
  /**
   * Rules the schema cannot state (e.g. SRT syntax), after the parse and before any work; returns
   * the request to run (possibly normalised) or throws `invalid_request`.
   */
  check?(request: OperationRequest<O>): OperationRequest<O>;
  run(request: OperationRequest<O>, ctx: OpContext): Promise<OperationResult<O>>;
}

/** An operation that writes a file names the content types it can write (checked after the parse). */
type OutputTypes<O extends ProcessorOperation> =
  OperationRequest<O> extends { output: MediaOutput }
    ? { outputTypes: readonly string[] }
    : { outputTypes?: undefined };

export type Operation<O extends ProcessorOperation> = OperationBase<O> & OutputTypes<O>;

export function urlSource(input: MediaInput): InputSource {
  return { kind: 'url', url: input.url };
}

export function createOpContext(
  config: ProcessorConfig,
  tempDir: string,
  signal: AbortSignal,
  deadline: number,
  progress: (percent: number, step: string) => void,
  gateway: GatewaySession,
): OpContext {
  const viaGateway = (source: InputSource): InputSource =>
    source.kind === 'url' ? { kind: 'url', url: gateway.localUrl(source.url) } : source;
  /** An ffmpeg read error caused by the media server is reported as what it is. */
  const upstreamFirst = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (err) {
      throw gateway.failure() ?? err;
    }
  };
  const remainingMs = () => {
    const left = deadline - Date.now();
    if (left <= 0) throw new ProcessorFailure('timeout', 'The operation exceeded its time limit');
    return left;
  };
  return {
    config,
    signal,
    tempDir,
    progress,
    remainingMs,
    probe(source, needs, extra) {
      return upstreamFirst(
        probeMedia(viaGateway(source), { limits: config.limits, timeoutMs: remainingMs(), signal, needs, ...extra }),
      );
    },
    inspect(path, options = {}) {
      return inspectOutput(path, { timeoutMs: remainingMs(), signal, packets: options.packets });
    },
    input(source, before = []) {
      return inputArgs(viaGateway(source), config.limits, before);
    },
    ffmpeg(args, options = {}) {
      return upstreamFirst(runFfmpeg(args, { ...options, timeoutMs: remainingMs(), signal }));
    },
    expectRead(source, position, bytes) {
      if (source.kind === 'url') gateway.expectRead(source.url, position, bytes);
    },
    expectWholeRead(source) {
      if (source.kind === 'url') gateway.expectWholeRead(source.url);
    },
    upload(path, output) {
      return uploadFile(path, output, signal);
    },
    uploadStream(output, size, produce) {
      return uploadStream(output, size, produce, signal);
    },
    bytes(url) {
      return gateway.bytes(url);
    },
    async deliver(path, output) {
      progress(92, 'uploading');
      const [written, size] = await Promise.all([
        inspectOutput(path, { timeoutMs: remainingMs(), signal }),
        uploadFile(path, output, signal),
      ]);
      return { written, size };
    },
  };
}
