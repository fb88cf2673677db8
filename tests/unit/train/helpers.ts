/** Tiny model folders and token data for trainer tests (no tokenizer: data are exact token ids). */
import { writeFile } from 'node:fs/promises';
import { generateTestModel, type GeneratedModel, type TestModelOptions } from '../../../src/tooling/test-model.js';
import { ModelFolder } from '../../../src/main/model/folder.js';
import { seededRandom } from '../engine/random-model.js';

export async function tinyModelFolder(dir: string, overrides: Partial<TestModelOptions> = {}): Promise<GeneratedModel> {
  return generateTestModel(dir, {
    layers: 3,
    hiddenSize: 16,
    intermediateSize: 32,
    heads: 4,
    kvHeads: 2,
    vocabSize: 53,
    maxPositionEmbeddings: 64,
    seed: 3,
    tokenizer: false,
    ...overrides,
  });
}

/** JSONL {"input_ids": [...]} lines: each line one training sequence, used exactly as given. */
export async function writeTokenData(file: string, lengths: readonly number[], vocabSize: number, seed: number): Promise<number[][]> {
  const random = seededRandom(seed);
  const sequences = lengths.map((n) => Array.from({ length: n }, () => Math.floor(random() * vocabSize)));
  await writeFile(file, sequences.map((ids) => JSON.stringify({ input_ids: ids })).join('\n'));
  return sequences;
}

/** Every tensor of a model folder as fp32, and as stored bytes. */
export async function readModel(dir: string): Promise<{ values: Map<string, Float32Array>; bytes: Map<string, Buffer> }> {
  const folder = await ModelFolder.open(dir);
  try {
    const values = new Map<string, Float32Array>();
    const bytes = new Map<string, Buffer>();
    for (const name of folder.tensors.keys()) {
      values.set(name, await folder.readTensor(name));
      bytes.set(name, (await folder.readRawTensor(name)).bytes);
    }
    return { values, bytes };
  } finally {
    await folder.close();
  }
}
