/** The processor's log: one JSON line per event on stdout (stderr for errors). */
export function log(
  level: 'info' | 'warn' | 'error' | 'debug',
  msg: string,
  fields: Record<string, unknown> = {},
): void {
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
}
