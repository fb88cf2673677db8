/** JSON inputs (plans, scores) read with one-line errors. */
import { readFile } from 'node:fs/promises';
import { UserError } from '../../shared/errors.js';

/** Reads and parses a JSON file; `remedy` tells the person how to get a good one. */
export async function readJsonFile(file: string, remedy: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UserError(`Cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). ${remedy}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file} is not valid JSON (${(e as Error).message}). ${remedy}`);
  }
}
