/** Values the global setups hand to tests (`inject(...)`). */
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    jwksUrl: string;
    fakeProcessorUrl: string;
    rsaPrivateJwk: Record<string, unknown>;
    rsaPublicJwk: Record<string, unknown>;
    /** GEMINI_BASE_URL/_API_KEY, ELEVENLABS_BASE_URL/_API_KEY, POSTIZ_API_URL/_API_KEY of the fakes. */
    providerVars: Record<string, string>;
    /** The attack suite's canary server (test/security/support/global-setup.ts). */
    canaryUrl: string;
    /** What the canary puts in every answer (a reflected answer shows it). */
    canarySecret: string;
  }
}
