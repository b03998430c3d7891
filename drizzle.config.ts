import { defineConfig } from 'drizzle-kit';

// Migrations are generated from src/db/schema.ts; wrangler applies them (D1 `migrations_dir`).
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './migrations',
});
