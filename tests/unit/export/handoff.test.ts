/**
 * Hand-off configs: the layer list in each trainer's own terms equals the plan's trainable layers,
 * checked on exact lines of the written files (no YAML library is installed) and, for Axolotl, by
 * applying Axolotl's documented matching rule (dots literal, match from the start of the name) to
 * every parameter name of the model. Plus the recipe lines, the README numbers, and refusals.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../../../src/main/export/index.js';
import { toYaml, float, yamlScalar } from '../../../src/main/export/yaml-lines.js';
import { ModelFolder } from '../../../src/main/model/folder.js';
import { generateTestModel } from '../../../src/main/model/generate.js';
import { isUserError } from '../../../src/shared/errors.js';
import type { Plan } from '../../../src/shared/plan.js';
import { tempDir } from '../../helpers/tmp.js';
import { SMALL, surgeryOutput } from './helpers.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('slayer-handoff-'));
});
afterAll(async () => cleanup());

const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n');
const trainableOf = (plan: Plan) => plan.layers.filter((l) => l.trainable).map((l) => l.index);

/** Axolotl's LayerNamePattern.match: every "." escaped, then re.match (anchored at the start). */
function axolotlMatches(pattern: string, name: string): boolean {
  return new RegExp(`^(?:${pattern.replaceAll('.', '\\.')})`).test(name);
}

describe.each([
  { name: 'S plan', options: { strategy: 's', expand: 2, prune: 1 } as const },
  { name: 'LLaMA Pro plan', options: { strategy: 'llama-pro', expand: 2 } as const },
  { name: 'full fine-tuning plan', options: { strategy: 'full' } as const },
])('hand-off configs for a $name', ({ name, options }) => {
  let dir: string;
  let plan: Plan;
  let parameterNames: string[];
  beforeAll(async () => {
    ({ dir, plan } = await surgeryOutput(root, name.replace(/\W+/g, '-'), options));
    const folder = await ModelFolder.open(dir);
    parameterNames = [...folder.tensors.keys()];
    await folder.close();
  });

  it("LLaMA-Factory: the launcher trains exactly the plan's layers and the config can only run through it", async () => {
    const out = join(root, `${name}-lf`);
    const result = await exportModel(dir, { format: 'llamafactory', out });
    expect(result.trainableLayers).toEqual(trainableOf(plan));
    expect((await readdir(out)).sort()).toEqual([
      'README-handoff.md',
      'dataset_info.json',
      'deepspeed-zero2.json',
      'slayer-llamafactory.yaml',
      'slayer_llamafactory.py',
    ]);
    const launcher = await lines(join(out, 'slayer_llamafactory.py'));
    expect(launcher).toContain(`TRAINABLE_LAYERS = {${trainableOf(plan).join(', ')}}`);
    expect(launcher).toContain(`TRAIN_GLOBALS = ${plan.trainGlobals ? 'True' : 'False'}`);
    expect(launcher).toContain('adapter._setup_freeze_tuning = select_trainable');
    const yaml = await lines(join(out, 'slayer-llamafactory.yaml'));
    expect(yaml).toEqual(
      expect.arrayContaining([
        `model_name_or_path: ${JSON.stringify(dir)}  # change it when you copy the model to the cluster`,
        'stage: pt',
        'finetuning_type: freeze',
        'freeze_trainable_modules: slayer_explicit_layers  # deliberately no real module: only slayer_llamafactory.py can run this config',
        'dataset: slayer_corpus  # dataset_info.json: corpus.jsonl, one {"text": ...} per line; put your corpus there',
        'learning_rate: 0.0001',
        'lr_scheduler_type: cosine',
        'warmup_ratio: 0.05',
        'adam_beta1: 0.9',
        'adam_beta2: 0.95',
        'adam_epsilon: 1.0e-8',
        'weight_decay: 0.0',
        'max_grad_norm: 1.0',
        'bf16: true',
        'deepspeed: deepspeed-zero2.json',
      ]),
    );
    expect(yaml[1]).toBe(`# (0-based, this model): ${trainableOf(plan).join(', ')}${plan.trainGlobals ? ', plus embeddings, final norm and LM head' : ''}.`);
    expect(yaml.some((l) => l.startsWith('freeze_trainable_layers') || l.startsWith('use_llama_pro'))).toBe(false);
    expect(JSON.parse(await readFile(join(out, 'dataset_info.json'), 'utf8'))).toEqual({
      slayer_corpus: { file_name: 'corpus.jsonl', columns: { prompt: 'text' } },
    });
    const readme = await readFile(join(out, 'README-handoff.md'), 'utf8');
    expect(readme).toContain(`trainable params" is ${plan.counts.trainableParameters.toLocaleString('en-US')}.`);
    expect(readme).toContain(
      'torchrun --nnodes 2 --node_rank 0 --nproc_per_node 8 --master_addr 10.0.0.1 --master_port 29500 slayer_llamafactory.py slayer-llamafactory.yaml',
    );
  });

  it("Axolotl: unfrozen_parameters match exactly the parameters of the plan's trainable layers", async () => {
    const out = join(root, `${name}-ax`);
    await exportModel(dir, { format: 'axolotl', out });
    expect((await readdir(out)).sort()).toEqual(['README-handoff.md', 'deepspeed-zero2.json', 'slayer-axolotl.yml']);
    const yaml = await lines(join(out, 'slayer-axolotl.yml'));
    const start = yaml.indexOf('unfrozen_parameters:  # dots are literal; each pattern matches from the start of the name');
    expect(start).toBeGreaterThan(0);
    const patterns: string[] = [];
    for (let i = start + 1; yaml[i].startsWith('  - '); i++) patterns.push(JSON.parse(yaml[i].slice(4)));
    const unfrozen = parameterNames.filter((n) => patterns.some((p) => axolotlMatches(p, n)));
    const trainable = new Set(trainableOf(plan));
    const expected = parameterNames.filter((n) => {
      const layer = /^model\.layers\.(\d+)\./.exec(n);
      return layer ? trainable.has(Number(layer[1])) : plan.trainGlobals;
    });
    expect(unfrozen.sort()).toEqual(expected.sort());
    expect(unfrozen.length).toBeGreaterThan(0);
    expect(yaml).toEqual(
      expect.arrayContaining([
        'learning_rate: 0.0001',
        'lr_scheduler: cosine',
        'adam_epsilon: 1.0e-8',
        'deepspeed: deepspeed-zero2.json',
        '  - path: corpus.jsonl',
        '    type: completion',
      ]),
    );
    const deepspeed = JSON.parse(await readFile(join(out, 'deepspeed-zero2.json'), 'utf8'));
    expect(deepspeed.zero_optimization.stage).toBe(2);
    expect(deepspeed.gradient_accumulation_steps).toBe('auto');
    expect(await readFile(join(out, 'README-handoff.md'), 'utf8')).toContain('accelerate launch -m axolotl.cli.train slayer-axolotl.yml');
  });
});

describe('hand-off refusals', () => {
  it('a plain folder has no trainable layers to hand off; --dtype is for weights only', async () => {
    const dir = join(root, 'plain');
    await generateTestModel(dir, { ...SMALL, layers: 2 });
    const error = await exportModel(dir, { format: 'axolotl', out: join(root, 'plain-ax') }).catch((e: unknown) => e);
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toMatch(/has no slayer\.json, so its trainable layers are unknown/);
    await expect(exportModel(dir, { format: 'llamafactory', out: join(root, 'plain-lf'), dtype: 'f16' })).rejects.toThrow(
      /--dtype applies to the hf and gguf formats only/,
    );
    await expect(exportModel(dir, { format: 'onnx' as never, out: join(root, 'x') })).rejects.toThrow(/Unknown export format "onnx"/);
    expect(await readdir(root)).not.toContain('plain-ax');
  });
});

describe('YAML writer', () => {
  it('quotes strings YAML would read as something else, and writes floats PyYAML reads as floats', () => {
    expect(['plain', 'yes', 'No', 'null', '1e-4', '0.5', '/abs/path', 'a: b', '#x', 'Grüße', ''].map(yamlScalar)).toEqual([
      'plain',
      '"yes"',
      '"No"',
      '"null"',
      '"1e-4"',
      '"0.5"',
      '"/abs/path"',
      '"a: b"',
      '"#x"',
      '"Grüße"',
      '""',
    ]);
    expect([float(1e-4), float(1e-8), float(0), float(2), float(1e21), float(0.95), 3, 2.5, true].map(yamlScalar)).toEqual([
      '0.0001',
      '1.0e-8',
      '0.0',
      '2.0',
      '1.0e+21',
      '0.95',
      '3',
      '2.5',
      'true',
    ]);
    expect(toYaml([{ comment: 'c' }, { blank: true }, { key: 'k', list: ['a', 1] }, { key: 'm', mappings: [{ x: 1, y: 'z' }] }])).toBe(
      '# c\n\nk:\n  - a\n  - 1\nm:\n  - x: 1\n    y: z\n',
    );
  });
});
