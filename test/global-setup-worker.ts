/**
 * Node-side servers the worker tests reach over loopback:
 * - a JWKS endpoint for RS256/ES256 tokens (its private keys are handed to the tests);
 * - a stand-in processor URL that answers /health (route tests do not run media work);
 * - the fake Gemini, ElevenLabs and Postiz servers (test/fakes), whose URLs and accepted keys become
 *   the Worker's GEMINI_/ELEVENLABS_/POSTIZ_ vars; tests drive them over `/__fake/…`;
 * - a webhook receiver (test/helpers/node/webhook-receiver.ts) that webhook tests register as an
 *   endpoint and read back over `/__fake/…`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import type { TestProject } from 'vitest/node';
import { launchFakes } from './fakes/start-fakes.ts';
import { startWebhookReceiver } from './helpers/node/webhook-receiver.ts';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

export default async function setup(project: TestProject) {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'test-rsa', alg: 'RS256', use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid: 'test-rsa', alg: 'RS256' };

  const jwks = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  const processor = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/health') res.end(JSON.stringify({ status: 'ok', ffmpeg: true }));
    else {
      res.statusCode = 503;
      res.end(JSON.stringify({ error: { code: 'unavailable', message: 'route tests have no processor' } }));
    }
  });
  const jwksUrl = await listen(jwks);
  const processorUrl = await listen(processor);
  project.provide('jwksUrl', `${jwksUrl}/.well-known/jwks.json`);
  project.provide('fakeProcessorUrl', processorUrl);
  project.provide('rsaPrivateJwk', privateJwk);
  project.provide('rsaPublicJwk', publicJwk);
  const fakes = await launchFakes({}, { all: true, quiet: true });
  project.provide('providerVars', fakes.vars);
  const receiver = await startWebhookReceiver();
  project.provide('webhookReceiverUrl', receiver.url);
  return async () => {
    jwks.close();
    processor.close();
    await fakes.close();
    await receiver.close();
  };
}
