/** Range checks on the counts a person asks for, each failing with one line that says the allowed range. */
import { UserError } from '../../shared/errors.js';

/** A whole number in [min, max]; `why` explains the upper limit. */
export function requireCount(value: number, name: string, min: number, max: number, why: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`${name} must be a whole number from ${min} to ${max} (${why}); got ${value}.`);
  }
  return value;
}
