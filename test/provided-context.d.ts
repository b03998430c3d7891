/** Values the global setups hand to tests (`inject(...)`). */
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    jwksUrl: string;
    fakeProcessorUrl: string;
    rsaPrivateJwk: Record<string, unknown>;
    rsaPublicJwk: Record<string, unknown>;
  }
}
