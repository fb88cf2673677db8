/**
 * The `slayer plan` command line that makes the same plan as the Plan step's settings
 * (docs/cli.md), so a plan made here can be remade in a script or on a cluster; written from the
 * plan command's schema (src/shared/commands/plan.ts).
 */
export { layerSpec, planCommandLine as planCommand, SCORES_FILE } from '../../shared/commands/plan';

/** POSIX shell quoting: plain words stay as they are, anything else goes in single quotes. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
