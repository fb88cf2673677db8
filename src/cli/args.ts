/** Flag readers that turn bad values into one plain-language line. */
import { UserError } from '../shared/errors.js';

type Values = Record<string, string | boolean | string[] | undefined>;

export function requirePositional(positionals: string[], index: number, what: string, usage: string): string {
  const v = positionals[index];
  if (v === undefined) throw new UserError(`Missing ${what}. Usage: ${usage}`);
  return v;
}

export function stringFlag(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function requireStringFlag(values: Values, name: string, usage: string): string {
  const v = stringFlag(values, name);
  if (v === undefined) throw new UserError(`Missing --${name}. Usage: ${usage}`);
  return v;
}

export function numberFlag(values: Values, name: string, fallback: number, range: { min?: number; max?: number; integer?: boolean } = {}): number {
  const raw = stringFlag(values, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  const kind = range.integer ? 'a whole number' : 'a number';
  if (raw.trim() === '' || !Number.isFinite(n) || (range.integer && !Number.isInteger(n))) {
    throw new UserError(`--${name} must be ${kind}, got "${raw}".`);
  }
  if (range.min !== undefined && n < range.min) throw new UserError(`--${name} must be at least ${range.min}, got ${raw}.`);
  if (range.max !== undefined && n > range.max) throw new UserError(`--${name} must be at most ${range.max}, got ${raw}.`);
  return n;
}

export function choiceFlag<T extends string>(values: Values, name: string, choices: readonly T[], fallback: T): T {
  const raw = stringFlag(values, name);
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UserError(`--${name} must be one of ${choices.join(', ')}; got "${raw}".`);
  }
  return raw as T;
}

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, K: 2 ** 10, KB: 2 ** 10, M: 2 ** 20, MB: 2 ** 20, G: 2 ** 30, GB: 2 ** 30, T: 2 ** 40, TB: 2 ** 40 };

/** A size such as "12GB", "512M" or "1e9" (bytes; K/M/G/T count in powers of 1024), or undefined when absent. */
export function bytesFlag(values: Values, name: string): number | undefined {
  const raw = stringFlag(values, name);
  if (raw === undefined) return undefined;
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([a-z]*)\s*$/i.exec(raw);
  const unit = m ? SIZE_UNITS[m[2].toUpperCase().replace(/IB$/, 'B')] : undefined;
  if (!m || unit === undefined || !(Number(m[1]) > 0)) throw new UserError(`--${name} must be a size such as 12GB or 512MB, got "${raw}".`);
  return Math.floor(Number(m[1]) * unit);
}
