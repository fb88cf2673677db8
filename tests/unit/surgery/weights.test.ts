/**
 * What an S-plan surgery writes, read back and compared with references computed here:
 * new blocks are the fp32 average of their two neighbours rounded to the source dtype, with
 * o_proj/down_proj zero; the refreshed final block is the fp32 mean of its sources; kept layers
 * and globals are byte-identical; pruned layers are gone and the rest renumbered; shards follow
 * the source; config, side files and slayer.json say what they should.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafetensorsWriter } from '../../../src/main/model/safetensors-writer.js';
import { blockTensorName, blockTensorSpecs, globalTensorSpecs } from '../../../src/main/model/tensors.js';
import { makePlan } from '../../../src/main/plan/index.js';
import { applyPlan, type ApplyResult } from '../../../src/main/surgery/index.js';
import type { Plan } from '../../../src/shared/plan.js';
import { tempDir } from '../../helpers/tmp.js';
import { bf16ToNumber, generate, indexOf, numberToBf16, rawBytes, sha256File, valuesOf } from './helpers.js';

const fround = Math.fround;
let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir: root, cleanup } = await tempDir('slayer-surgery-weights-')));
afterAll(async () => cleanup());

/** fp32 mean of the sources in order, then stored in `dtype`: the rule written out per element. */
function expectedMean(sources: Buffer[], dtype: 'F32' | 'BF16'): number[] {
  const values = sources.map((b) => valuesOf(b, dtype));
  return values[0].map((_, i) => {
    let sum = values[0][i];
    for (const v of values.slice(1)) sum = fround(sum + v[i]);
    const mean = fround(sum / sources.length);
    return dtype === 'F32' ? mean : bf16ToNumber(numberToBf16(mean));
  });
}

describe.each([
  { dtype: 'F32' as const, shardBytes: undefined },
  { dtype: 'BF16' as const, shardBytes: 30_000 },
])('S plan on an 8-layer $dtype model (shard limit $shardBytes)', ({ dtype, shardBytes }) => {
  let base: string;
  let out: string;
  let plan: Plan;
  let result: ApplyResult;
  const sourceConfig = (): Promise<Record<string, unknown>> => readFile(join(base, 'config.json'), 'utf8').then(JSON.parse);

  beforeAll(async () => {
    base = join(root, `${dtype}-base`);
    out = join(root, `${dtype}-out`);
    const folder = await generate(base, { layers: 8, dtype: dtype === 'F32' ? 'f32' : 'bf16', shardBytes });
    await folder.close();
    // Per-layer config fields and the files a Hugging Face folder carries besides the weights.
    const config = await sourceConfig();
    await writeFile(
      join(base, 'config.json'),
      JSON.stringify({ ...config, layer_types: [...Array(4).fill('full_attention'), ...Array(4).fill('sliding_attention')], max_window_layers: 4 }),
    );
    await writeFile(join(base, 'special_tokens_map.json'), '{"bos_token": "<s>"}');
    await writeFile(join(base, 'generation_config.json'), '{"do_sample": false}');
    await writeFile(join(base, 'tokenizer.model'), Buffer.from([0, 1, 2, 250, 251]));
    await writeFile(join(base, 'pytorch_model.bin'), 'stale weights');
    await mkdir(join(base, 'original'));
    await writeFile(join(base, 'original', 'consolidated.00.pth'), 'stale weights');

    const m = (await indexOf(base)).description;
    plan = makePlan(m, { strategy: 's', expand: 2, prune: 2, refresh: 'mean' });
    result = await applyPlan(base, plan, out);
  });

  it('lays out the layers as planned: 2 new, 2 pruned, the last kept one refreshed', () => {
    expect(plan.removed).toEqual([6, 7]);
    expect(plan.layers.map((l) => `${l.kind}:${l.init.from.join('+')}`)).toEqual([
      'kept:0',
      'kept:1',
      'new:1+2',
      'kept:2',
      'kept:3',
      'new:3+4',
      'kept:4',
      'refreshed:5+6+7',
    ]);
    expect(result).toMatchObject({ layers: 8, parameters: plan.counts.parameters, trainableLayers: [2, 5, 7] });
    // Checked although it prunes and refreshes: new blocks are identities, the rest is base layers 0-5 with 5 as the mean of 5-7.
    expect(result.functionCheck).toMatchObject({
      checked: true,
      passed: true,
      reference: 'the base model without layers 6-7, with layer 5 as the mean of layers 5-7',
    });
  });

  it('writes kept layers and globals byte for byte, and no tensor of a pruned layer', async () => {
    const folder = await indexOf(out);
    const m = folder.description;
    const suffixes = blockTensorSpecs(m).map((s) => s.name);
    expect([...folder.tensors.keys()].sort()).toEqual(
      [...globalTensorSpecs(m).map((s) => s.name), ...plan.layers.flatMap((l) => suffixes.map((s) => blockTensorName(l.index, s)))].sort(),
    );
    for (const g of globalTensorSpecs(m)) expect((await rawBytes(out, g.name)).equals(await rawBytes(base, g.name)), g.name).toBe(true);
    for (const layer of plan.layers.filter((l) => l.kind === 'kept')) {
      for (const s of suffixes) {
        const same = (await rawBytes(out, blockTensorName(layer.index, s))).equals(await rawBytes(base, blockTensorName(layer.source as number, s)));
        expect(same, `layer ${layer.index} ${s}`).toBe(true);
      }
    }
  });

  it('makes new blocks the average of their neighbours (in the source dtype) with zero residual outputs', async () => {
    const folder = await indexOf(out);
    for (const layer of plan.layers.filter((l) => l.kind === 'new')) {
      expect(layer.init.zeroed).toEqual(['self_attn.o_proj.weight', 'mlp.down_proj.weight']);
      for (const spec of blockTensorSpecs(folder.description)) {
        const written = await rawBytes(out, blockTensorName(layer.index, spec.name));
        expect(folder.tensors.get(blockTensorName(layer.index, spec.name))!.dtype).toBe(dtype);
        if (layer.init.zeroed.includes(spec.name)) {
          expect(
            written.every((b) => b === 0),
            spec.name,
          ).toBe(true);
          continue;
        }
        const sources = await Promise.all(layer.init.from.map((i) => rawBytes(base, blockTensorName(i, spec.name))));
        expect(valuesOf(written, dtype), `layer ${layer.index} ${spec.name}`).toEqual(expectedMean(sources, dtype));
      }
    }
  });

  it('refreshes the final block as the mean of itself and the pruned layers after it', async () => {
    const refreshed = plan.layers[7];
    for (const spec of blockTensorSpecs((await indexOf(out)).description)) {
      const sources = await Promise.all([5, 6, 7].map((i) => rawBytes(base, blockTensorName(i, spec.name))));
      const written = valuesOf(await rawBytes(out, blockTensorName(refreshed.index, spec.name)), dtype);
      expect(written, spec.name).toEqual(expectedMean(sources, dtype));
      // And it is the mean in the plain sense: within rounding of the float64 mean (rounding
      // errors scale with the magnitudes summed, which cancellation can leave far above the mean).
      const values = sources.map((b) => valuesOf(b, dtype));
      const ulp = dtype === 'F32' ? 2 ** -21 : 2 ** -7;
      written.forEach((w, i) => {
        const exact = (values[0][i] + values[1][i] + values[2][i]) / 3;
        const scale = (Math.abs(values[0][i]) + Math.abs(values[1][i]) + Math.abs(values[2][i])) / 3;
        expect(Math.abs(w - exact)).toBeLessThanOrEqual(ulp * scale);
      });
    }
  });

  it('shards like the source: one file for one file, else no shard above the source limit, with an index', async () => {
    const outFiles = (await readdir(out)).filter((f) => f.endsWith('.safetensors'));
    const baseFiles = (await readdir(base)).filter((f) => f.endsWith('.safetensors'));
    if (shardBytes === undefined) {
      expect(outFiles).toEqual(['model.safetensors']);
      expect((await readdir(out)).includes('model.safetensors.index.json')).toBe(false);
      return;
    }
    expect(baseFiles.length).toBeGreaterThan(2);
    const folder = await indexOf(out);
    const dataPerFile = new Map<string, number>();
    for (const t of folder.tensors.values()) dataPerFile.set(t.file, (dataPerFile.get(t.file) ?? 0) + t.byteRange[1] - t.byteRange[0]);
    expect(Math.max(...dataPerFile.values())).toBeLessThanOrEqual(shardBytes);
    expect(outFiles.length).toBe(dataPerFile.size);
    expect(Math.abs(outFiles.length - baseFiles.length)).toBeLessThanOrEqual(1); // same depth, same size, same split
    const index = JSON.parse(await readFile(join(out, 'model.safetensors.index.json'), 'utf8'));
    expect(Object.keys(index.weight_map).sort()).toEqual([...folder.tensors.keys()].sort());
  });

  it('writes config.json with the new depth, per-layer fields following their layers, all else unchanged', async () => {
    const source = await sourceConfig();
    const written = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    // Resulting layers come from original layers 0, 1, 1, 2, 3, 3, 4, 5; layers 0-3 are the first group.
    expect(written).toEqual({
      ...source,
      num_hidden_layers: 8,
      layer_types: [...Array(6).fill('full_attention'), ...Array(2).fill('sliding_attention')],
      max_window_layers: 6,
    });
    expect(Object.keys(written)).toEqual(Object.keys(source));
  });

  it('copies tokenizer and other side files byte for byte, but no stale weights or sub-folders', async () => {
    const names = (await readdir(out)).sort();
    const copied = ['generation_config.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer.model', 'tokenizer_config.json'];
    for (const f of copied) expect((await readFile(join(out, f))).equals(await readFile(join(base, f))), f).toBe(true);
    expect(names.filter((n) => !n.endsWith('.safetensors') && n !== 'model.safetensors.index.json')).toEqual(['config.json', ...copied, 'slayer.json'].sort());
    const sizes = await Promise.all(names.map(async (n) => (await stat(join(out, n))).size));
    expect(result.bytesWritten).toBe(sizes.reduce((a, b) => a + b, 0));
  });

  it('records the plan, trainable layers, tool version and a SHA-256 fingerprint of every source file in slayer.json', async () => {
    const record = JSON.parse(await readFile(join(out, 'slayer.json'), 'utf8'));
    const files: string[] = [];
    const walk = async (dir: string) => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(dir, e.name));
        else files.push(relative(base, join(dir, e.name)));
      }
    };
    await walk(base);
    files.sort();
    const hashes = await Promise.all(
      files.map(async (path) => ({ path, bytes: (await stat(join(base, path))).size, sha256: await sha256File(join(base, path)) })),
    );
    const manifest = hashes.map((h) => `${h.sha256}  ${h.path}\n`).join('');
    const { version } = JSON.parse(await readFile('package.json', 'utf8'));
    expect(record).toEqual({
      version: 1,
      tool: { name: 'SLayer Studio', version },
      source: { path: base, sha256: createHash('sha256').update(manifest).digest('hex'), files: hashes },
      plan,
      layers: 8,
      parameters: plan.counts.parameters,
      trainableLayers: [2, 5, 7],
      trainGlobals: false,
      functionCheck: result.functionCheck,
    });
    expect(result.sourceSha256).toBe(record.source.sha256);
  });
});

it('carries tensors the model does not use: block extras follow their layer, global extras stay', async () => {
  const generated = join(root, 'extras-generated');
  const base = join(root, 'extras-base');
  const source = await generate(generated, { layers: 4 });
  const m = source.description;
  // The same model re-written with an old-style rotary buffer per layer and an integer global buffer.
  const extras = [
    ...Array.from({ length: 4 }, (_, i) => ({ name: blockTensorName(i, 'self_attn.rotary_emb.inv_freq'), dtype: 'F32' as const, shape: [4], fill: i + 0.5 })),
    { name: 'model.position_ids', dtype: 'I64' as const, shape: [3], fill: 0 },
  ];
  await mkdir(base);
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) await writeFile(join(base, f), await readFile(join(generated, f)));
  const writer = await SafetensorsWriter.create(base, [
    ...[...source.tensors.values()].map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape })),
    ...extras,
  ]);
  for (const name of source.tensors.keys()) await writer.writeRawTensor(name, (await source.readRawTensor(name)).bytes);
  for (const e of extras)
    await writer.writeRawTensor(e.name, e.dtype === 'F32' ? new Uint8Array(Float32Array.from({ length: 4 }, () => e.fill).buffer) : new Uint8Array(24).fill(7));
  await writer.finish();
  await source.close();

  const plan = makePlan(m, { strategy: 'manual', layout: { expand: [{ after: 0, init: 'average' }], prune: [2], refresh: 'none' } });
  await applyPlan(base, plan, join(root, 'extras-out'));
  const out = await indexOf(join(root, 'extras-out'));
  expect(out.extraTensors.sort()).toEqual([...plan.layers.map((l) => blockTensorName(l.index, 'self_attn.rotary_emb.inv_freq')), 'model.position_ids'].sort());
  for (const layer of plan.layers) {
    const values = valuesOf(await rawBytes(join(root, 'extras-out'), blockTensorName(layer.index, 'self_attn.rotary_emb.inv_freq')), 'F32');
    expect(values, `layer ${layer.index}`).toEqual(Array(4).fill(layer.init.from[0] + 0.5));
  }
  expect([...(await rawBytes(join(root, 'extras-out'), 'model.position_ids'))]).toEqual(Array(24).fill(7));
});
