/** Joins a base URL (with or without trailing slashes) and a path that starts with `/`. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}
