/** The positional arguments of a command (its flags are read through its schema, src/shared/command-schema.ts). */
import { UserError } from '../shared/errors.js';

export function requirePositional(positionals: string[], index: number, what: string, usage: string): string {
  const v = positionals[index];
  if (v === undefined) throw new UserError(`Missing ${what}. Usage: ${usage}`);
  return v;
}
