/**
 * A small hand-written validator for request bodies (the image carries no schema library). Each
 * reader takes an unknown value and its path, and either returns a typed value or throws an
 * `invalid_request` failure naming the field, e.g. `preset.width: must be an integer 16–7680`.
 */
import { invalidRequest } from './errors.ts';

export type Json = Record<string, unknown>;

function fail(path: string, message: string): never {
  throw invalidRequest(`${path || '(body)'}: ${message}`, [{ path: path || '(root)', message }]);
}

export function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object');
  return value as Json;
}

/** Rejects fields the operation does not know, so typos never pass silently. */
export function onlyKeys(value: Json, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(path ? `${path}.${key}` : key, 'unknown field');
  }
}

const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function number(value: unknown, path: string, rule: NumberRule = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, 'must be a finite number');
  if (rule.integer && !Number.isInteger(value)) fail(path, 'must be an integer');
  if (rule.min !== undefined && value < rule.min) fail(path, `must be ≥ ${rule.min}`);
  if (rule.max !== undefined && value > rule.max) fail(path, `must be ≤ ${rule.max}`);
  return value;
}

export function boolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') fail(path, 'must be a boolean');
  return value;
}

export interface StringRule {
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
  patternHint?: string;
}

export function string(value: unknown, path: string, rule: StringRule = {}): string {
  if (typeof value !== 'string') fail(path, 'must be a string');
  if (rule.minLength !== undefined && value.length < rule.minLength) fail(path, `must have at least ${rule.minLength} characters`);
  if (rule.maxLength !== undefined && value.length > rule.maxLength) fail(path, `must have at most ${rule.maxLength} characters`);
  if (rule.pattern && !rule.pattern.test(value)) fail(path, rule.patternHint ?? `must match ${rule.pattern}`);
  return value;
}

export function oneOf<const T extends string>(value: unknown, path: string, options: readonly T[]): T {
  if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) fail(path, `must be one of ${options.join(', ')}`);
  return value as T;
}

export function array<T>(value: unknown, path: string, item: (v: unknown, p: string) => T, rule: { min?: number; max?: number } = {}): T[] {
  if (!Array.isArray(value)) fail(path, 'must be an array');
  if (rule.min !== undefined && value.length < rule.min) fail(path, `must have at least ${rule.min} items`);
  if (rule.max !== undefined && value.length > rule.max) fail(path, `must have at most ${rule.max} items`);
  return value.map((v, i) => item(v, join(path, i)));
}

/** Reads `body[key]` with `read`, or returns undefined when the field is absent (null counts as absent). */
export function optional<T>(body: Json, key: string, path: string, read: (v: unknown, p: string) => T): T | undefined {
  const value = body[key];
  return value === undefined || value === null ? undefined : read(value, join(path, key));
}

export function required<T>(body: Json, key: string, path: string, read: (v: unknown, p: string) => T): T {
  const value = body[key];
  if (value === undefined || value === null) fail(join(path, key), 'is required');
  return read(value, join(path, key));
}

export { fail as validationFail, join as fieldPath };
