/** Sizes as flags and settings write them. No zod here: `slayer inspect` reads --gpu-memory with it and starts without zod. */
import { UserError } from './errors.js';

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, K: 2 ** 10, KB: 2 ** 10, M: 2 ** 20, MB: 2 ** 20, G: 2 ** 30, GB: 2 ** 30, T: 2 ** 40, TB: 2 ** 40 };

/** A size such as "12GB", "512M" or "1e9" in bytes (K/M/G/T count in powers of 1024); `name` is the flag, for the error. */
export function parseSize(raw: string, name: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([a-z]*)\s*$/i.exec(raw);
  const unit = m ? SIZE_UNITS[m[2].toUpperCase().replace(/IB$/, 'B')] : undefined;
  if (!m || unit === undefined || !(Number(m[1]) > 0)) throw new UserError(`--${name} must be a size such as 12GB or 512MB, got "${raw}".`);
  return Math.floor(Number(m[1]) * unit);
}
