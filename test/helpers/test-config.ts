/** Secrets used by every test layer (never used outside tests). */
export const TEST_SECRETS = {
  JWT_SECRET: 'test-jwt-secret-0123456789abcdef0123456789abcdef',
  URL_SIGNING_KEY: 'test-url-signing-key-0123456789abcdef0123456789',
  PROCESSOR_SECRET: 'test-processor-secret-0123456789abcdef012345678',
  ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
} as const;

export const TEST_ISSUER = 'cutroom-dev';
export const TEST_AUDIENCE = 'cutroom-api';
