/**
 * A model folder's slayer.json as a plain JSON object, or null when the folder has none (a plain
 * Hugging Face model). Callers check the fields they use; `remedy` ends the error for a damaged
 * file because what the user should do depends on what they were doing (training, exporting).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../shared/errors.js';
import { SURGERY_RECORD_FILE } from './record.js';

export async function readRecordJson(dir: string, remedy: string): Promise<{ file: string; json: Record<string, unknown> } | null> {
  const file = join(dir, SURGERY_RECORD_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`Cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not a JSON object');
    return { file, json: json as Record<string, unknown> };
  } catch (e) {
    throw new UserError(`${file} is damaged (${(e as Error).message.split('\n')[0]}). ${remedy}`);
  }
}
