/**
 * Plain Node HTTP(S) for the bulk data paths (streaming an input range, streaming an output up):
 * Node streams end to end, without the web-stream layer of fetch, which costs a promise and a copy
 * per chunk — a measurable share of an in-process copy cut. Redirects are never followed; a
 * connection silent for `idleMs` is dropped. Requests to the storage host connect where
 * storage-route.ts says.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { connectionUrl } from './storage-route.ts';

export interface RequestOptions {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  headers: Record<string, string>;
  signal: AbortSignal | undefined;
  idleMs: number;
  /** Request body, streamed with back-pressure. */
  body?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/** Sends the request; resolves with the response once its headers are in (its body still to read). */
export function nodeRequest(url: string, options: RequestOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const target = new URL(connectionUrl(url));
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, { method: options.method, headers: options.headers, signal: options.signal }, resolve);
    req.setTimeout(options.idleMs, () => req.destroy(new Error(`no data for ${Math.round(options.idleMs / 1000)} s`)));
    req.on('error', reject);
    if (!options.body) {
      req.end();
      return;
    }
    const body = Readable.from(options.body, { objectMode: false });
    body.on('error', (err) => req.destroy(err));
    body.pipe(req);
  });
}
