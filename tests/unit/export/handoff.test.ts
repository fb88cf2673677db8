/**
 * Hand-off folders as the upstream trainers will read them. Every YAML is parsed with a real YAML
 * library (yaml, in YAML 1.1 mode as PyYAML reads it, and every float checked against PyYAML's
 * own float pattern, which rejects "1e-4"); every key must be one the trainer accepts (sets
 * written by hand from LLaMA-Factory 0.9.6's hparams and transformers' TrainingArguments, and from
 * Axolotl 0.18's config schema); the values that matter (layers, learning rate, schedule, epochs,
 * warm-up, sequence length) must equal the plan and the documented recipe. The layer list is
 * checked in each trainer's own terms: Axolotl's unfrozen_parameters by Axolotl's matching rule
 * over every parameter of the model, and the LLaMA-Factory launcher by running its selection step
 * in Python against stand-ins for torch and LLaMA-Factory. JSON files are held to the keys
 * upstream reads, and README-handoff.md to the current install lines and valid shell.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument, isMap, isScalar, type Document } from 'yaml';
import { exportModel } from '../../../src/main/export/index.js';
import { toYaml, float, yamlScalar } from '../../../src/main/export/yaml-lines.js';
import { ModelFolder } from '../../../src/main/model/folder.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { isUserError } from '../../../src/shared/errors.js';
import type { Plan } from '../../../src/shared/plan.js';
import { tempDir } from '../../helpers/tmp.js';
import { SMALL, surgeryOutput } from './helpers.js';

const run = promisify(execFile);
const python = await run('python3', ['--version']).then(
  () => true,
  () => false,
);

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('slayer-handoff-'));
});
afterAll(async () => cleanup());

/** The recipe the hand-offs document (README "Settings"), written out here. */
const RECIPE = { learningRate: 1e-4, scheduler: 'cosine', epochs: 1, warmupRatio: 0.05, beta1: 0.9, beta2: 0.95, epsilon: 1e-8, clip: 1, decay: 0 };

/** Keys LLaMA-Factory 0.9.6 accepts: its Model/Data/Finetuning arguments and transformers' Seq2SeqTrainingArguments. */
const LLAMAFACTORY_KEYS = new Set([
  'model_name_or_path',
  'trust_remote_code',
  'stage',
  'do_train',
  'finetuning_type',
  'freeze_trainable_layers',
  'freeze_trainable_modules',
  'freeze_extra_modules',
  'use_llama_pro',
  'dataset',
  'dataset_dir',
  'template',
  'cutoff_len',
  'max_samples',
  'overwrite_cache',
  'preprocessing_num_workers',
  'dataloader_num_workers',
  'output_dir',
  'logging_steps',
  'save_steps',
  'plot_loss',
  'overwrite_output_dir',
  'save_only_model',
  'report_to',
  'per_device_train_batch_size',
  'gradient_accumulation_steps',
  'learning_rate',
  'num_train_epochs',
  'lr_scheduler_type',
  'warmup_ratio',
  'warmup_steps',
  'optim',
  'adam_beta1',
  'adam_beta2',
  'adam_epsilon',
  'weight_decay',
  'max_grad_norm',
  'bf16',
  'fp16',
  'ddp_timeout',
  'deepspeed',
  'resume_from_checkpoint',
]);

/** Keys of Axolotl 0.18's AxolotlInputConfig that a continued pre-training config uses. */
const AXOLOTL_KEYS = new Set([
  'base_model',
  'strict',
  'datasets',
  'dataset_prepared_path',
  'val_set_size',
  'output_dir',
  'auto_resume_from_checkpoints',
  'sequence_len',
  'sample_packing',
  'pad_to_sequence_len',
  'attn_implementation',
  'unfrozen_parameters',
  'micro_batch_size',
  'gradient_accumulation_steps',
  'num_epochs',
  'optimizer',
  'learning_rate',
  'lr_scheduler',
  'warmup_ratio',
  'adam_beta1',
  'adam_beta2',
  'adam_epsilon',
  'weight_decay',
  'max_grad_norm',
  'bf16',
  'fp16',
  'logging_steps',
  'save_steps',
  'deepspeed',
]);
/** Axolotl's deprecated boolean attention flags (LEGACY_ATTN_FLAG_TO_IMPL); it refuses them beside attn_implementation. */
const AXOLOTL_LEGACY_ATTENTION = ['xformers_attention', 'sage_attention', 'flex_attention', 'flash_attention', 'sdp_attention', 'eager_attention'];

/** Keys of a LLaMA-Factory dataset_info.json entry (data/parser.py DatasetAttr) and its columns. */
const DATASET_KEYS = new Set([
  'hf_hub_url',
  'ms_hub_url',
  'om_hub_url',
  'script_url',
  'file_name',
  'formatting',
  'ranking',
  'subset',
  'split',
  'folder',
  'num_samples',
  'columns',
  'tags',
]);
const DATASET_COLUMNS = new Set([
  'prompt',
  'query',
  'response',
  'history',
  'messages',
  'system',
  'tools',
  'images',
  'videos',
  'audios',
  'chosen',
  'rejected',
  'kto_tag',
]);

/** Top-level keys of DeepSpeed configs as LLaMA-Factory and Axolotl ship them (ZeRO-2), and the ZeRO keys they set. */
const DEEPSPEED_KEYS = new Set([
  'train_batch_size',
  'train_micro_batch_size_per_gpu',
  'gradient_accumulation_steps',
  'gradient_clipping',
  'zero_allow_untested_optimizer',
  'bf16',
  'fp16',
  'zero_optimization',
  'wall_clock_breakdown',
]);
const ZERO_KEYS = new Set([
  'stage',
  'allgather_partitions',
  'allgather_bucket_size',
  'overlap_comm',
  'reduce_scatter',
  'reduce_bucket_size',
  'contiguous_gradients',
  'round_robin_gradients',
  'offload_optimizer',
]);

/** PyYAML's float resolver (resolver.py, tag:yaml.org,2002:float); "1e-4" is not a float to it. */
const PYYAML_FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const PYYAML_INT = /^[-+]?(?:0|[1-9][0-9_]*)$/;

type Json = Record<string, any>;

/** The YAML as PyYAML would load it, refusing anything a YAML 1.1 parser reads differently from what was meant. */
async function loadYaml(file: string): Promise<Json> {
  const doc: Document = parseDocument(await readFile(file, 'utf8'), { version: '1.1', uniqueKeys: true });
  expect(doc.errors).toEqual([]);
  expect(isMap(doc.contents)).toBe(true);
  const checkScalars = (node: unknown) => {
    if (isScalar(node)) {
      const source = String(node.source);
      if (typeof node.value === 'number' && node.type === 'PLAIN')
        expect(source, `${source} is a number to PyYAML`).toMatch(Number.isInteger(node.value) && !source.includes('.') ? PYYAML_INT : PYYAML_FLOAT);
    } else if (node && typeof node === 'object' && 'items' in node) {
      for (const item of (node as { items: unknown[] }).items) {
        if (item && typeof item === 'object' && 'value' in item && 'key' in item) checkScalars((item as { value: unknown }).value);
        else checkScalars(item);
      }
    }
  };
  checkScalars(doc.contents);
  return doc.toJS() as Json;
}

const trainableOf = (plan: Plan) => plan.layers.filter((l) => l.trainable).map((l) => l.index);

/** Axolotl's LayerNamePattern: every "." not followed by "+" escaped, then re.match (anchored at the start). */
function axolotlMatches(pattern: string, name: string): boolean {
  return new RegExp(`^(?:${pattern.replace(/\.(?!\+)/g, '\\.')})`).test(name);
}

/** Runs the launcher's layer selection in Python with stand-ins for torch and LLaMA-Factory; returns the names left trainable. */
async function launcherSelection(launcher: string, names: string[]): Promise<{ trainable: string[]; log: string }> {
  const harness = `
import json, runpy, sys, types
names = json.loads(sys.argv[2])
class Param:
    def __init__(self): self.requires_grad = True; self.data = self
    def requires_grad_(self, flag): self.requires_grad = flag; return self
    def to(self, dtype): return self
modules = {name: types.ModuleType(name) for name in ["torch", "llamafactory", "llamafactory.model", "llamafactory.model.adapter", "llamafactory.train", "llamafactory.train.tuner"]}
modules["torch"].float32 = "float32"
modules["llamafactory.model"].adapter = modules["llamafactory.model.adapter"]
modules["llamafactory.train"].tuner = modules["llamafactory.train.tuner"]
modules["llamafactory.train.tuner"].run_exp = lambda: None
sys.modules.update(modules)
runpy.run_path(sys.argv[1], run_name="launcher")
params = {name: Param() for name in names}
class Model:
    def named_parameters(self): return list(params.items())
modules["llamafactory.model.adapter"]._setup_freeze_tuning(Model(), None, True, True)
print(json.dumps(sorted(name for name, p in params.items() if p.requires_grad)))
`;
  const file = join(root, `harness-${Math.random().toString(36).slice(2)}.py`);
  await writeFile(file, harness);
  const { stdout } = await run('python3', [file, launcher, JSON.stringify(names)]);
  const lines = stdout.trim().split('\n');
  return { trainable: JSON.parse(lines[lines.length - 1]), log: lines.slice(0, -1).join('\n') };
}

/** The ```sh blocks of a Markdown file. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

describe.each([
  { name: 'S plan', options: { strategy: 's', expand: 2, prune: 1 } as const },
  { name: 'LLaMA Pro plan', options: { strategy: 'llama-pro', expand: 2 } as const },
  { name: 'full fine-tuning plan', options: { strategy: 'full' } as const },
])('hand-off folders for a $name', ({ name, options }) => {
  let dir: string;
  let plan: Plan;
  let parameterNames: string[];
  let contextLength: number;
  let expectedTrainable: string[];
  let lf: string;
  let ax: string;
  let lfResult: Awaited<ReturnType<typeof exportModel>>;
  beforeAll(async () => {
    ({ dir, plan } = await surgeryOutput(root, name.replace(/\W+/g, '-'), options));
    lf = join(root, `${name}-lf`);
    ax = join(root, `${name}-ax`);
    lfResult = await exportModel(dir, { format: 'llamafactory', out: lf });
    await exportModel(dir, { format: 'axolotl', out: ax });
    const folder = await ModelFolder.open(dir);
    parameterNames = [...folder.tensors.keys()];
    contextLength = folder.description.maxPositionEmbeddings;
    await folder.close();
    const trainable = new Set(trainableOf(plan));
    expectedTrainable = parameterNames
      .filter((n) => {
        const layer = /^model\.layers\.(\d+)\./.exec(n);
        return layer ? trainable.has(Number(layer[1])) : plan.trainGlobals;
      })
      .sort();
  });

  it('LLaMA-Factory: the config holds only keys LLaMA-Factory accepts, with the plan and the recipe', async () => {
    const out = lf;
    expect(lfResult.trainableLayers).toEqual(trainableOf(plan));
    expect((await readdir(out)).sort()).toEqual([
      'README-handoff.md',
      'dataset_info.json',
      'deepspeed-zero2.json',
      'slayer-llamafactory.yaml',
      'slayer_llamafactory.py',
    ]);
    const config = await loadYaml(join(out, 'slayer-llamafactory.yaml'));
    expect(Object.keys(config).filter((k) => !LLAMAFACTORY_KEYS.has(k))).toEqual([]);
    expect(config).toMatchObject({
      model_name_or_path: dir,
      stage: 'pt',
      do_train: true,
      finetuning_type: 'freeze',
      learning_rate: RECIPE.learningRate,
      lr_scheduler_type: RECIPE.scheduler,
      num_train_epochs: RECIPE.epochs,
      warmup_ratio: RECIPE.warmupRatio,
      adam_beta1: RECIPE.beta1,
      adam_beta2: RECIPE.beta2,
      adam_epsilon: RECIPE.epsilon,
      weight_decay: RECIPE.decay,
      max_grad_norm: RECIPE.clip,
      bf16: true,
      cutoff_len: Math.min(2048, contextLength),
      deepspeed: 'deepspeed-zero2.json',
      dataset_dir: '.',
    });
    // Stock freeze tuning must not run: no layer count, and a module name that does not exist.
    expect(config).not.toHaveProperty('freeze_trainable_layers');
    expect(config).not.toHaveProperty('use_llama_pro');
    expect(config.freeze_trainable_modules).toBe('slayer_explicit_layers');
    // A rerun resumes from the last checkpoint, which overwrite_output_dir would switch off.
    expect(config).not.toHaveProperty('overwrite_output_dir');

    const datasets = JSON.parse(await readFile(join(out, 'dataset_info.json'), 'utf8')) as Json;
    expect(Object.keys(datasets)).toEqual([config.dataset]);
    const entry = datasets[config.dataset];
    expect(Object.keys(entry).filter((k) => !DATASET_KEYS.has(k))).toEqual([]);
    expect(Object.keys(entry.columns).filter((k) => !DATASET_COLUMNS.has(k))).toEqual([]);
    expect(entry).toEqual({ file_name: 'corpus.jsonl', columns: { prompt: 'text' } }); // pre-training reads the prompt column

    const launcher = await readFile(join(out, 'slayer_llamafactory.py'), 'utf8');
    const listed = /^TRAINABLE_LAYERS = (\{[\d, ]*\}|set\(\))$/m.exec(launcher)![1];
    expect(listed === 'set()' ? [] : listed.slice(1, -1).split(', ').map(Number)).toEqual(trainableOf(plan));
  });

  it.skipIf(!python)("LLaMA-Factory: the launcher's selection step, run in Python, trains exactly the plan's parameters", async () => {
    const { trainable, log } = await launcherSelection(join(lf, 'slayer_llamafactory.py'), parameterNames);
    expect(trainable).toEqual(expectedTrainable);
    expect(log).toContain(`SLayer Studio: training layers [${trainableOf(plan).join(', ')}]`);
    // A config for another model stops instead of training the wrong layers.
    const fewer = parameterNames.filter((n) => !n.startsWith(`model.layers.${trainableOf(plan).at(-1)}.`));
    await expect(launcherSelection(join(lf, 'slayer_llamafactory.py'), fewer)).rejects.toThrow(/this config belongs to another model/);
  });

  it("Axolotl: the config holds only keys Axolotl 0.18 accepts, and unfrozen_parameters select exactly the plan's parameters", async () => {
    expect((await readdir(ax)).sort()).toEqual(['README-handoff.md', 'deepspeed-zero2.json', 'slayer-axolotl.yml']);
    const config = await loadYaml(join(ax, 'slayer-axolotl.yml'));
    expect(Object.keys(config).filter((k) => !AXOLOTL_KEYS.has(k))).toEqual([]);
    expect(AXOLOTL_LEGACY_ATTENTION.filter((k) => k in config)).toEqual([]);
    expect(['flash_attention_2', 'sdpa']).toContain(config.attn_implementation);
    expect(config).toMatchObject({
      base_model: dir,
      datasets: [{ path: 'corpus.jsonl', type: 'completion' }], // completion reads the "text" field
      sequence_len: Math.min(2048, contextLength),
      sample_packing: true,
      learning_rate: RECIPE.learningRate,
      lr_scheduler: RECIPE.scheduler,
      num_epochs: RECIPE.epochs,
      warmup_ratio: RECIPE.warmupRatio,
      adam_beta1: RECIPE.beta1,
      adam_beta2: RECIPE.beta2,
      adam_epsilon: RECIPE.epsilon,
      weight_decay: RECIPE.decay,
      max_grad_norm: RECIPE.clip,
      bf16: true,
      auto_resume_from_checkpoints: true,
      deepspeed: 'deepspeed-zero2.json',
    });
    const patterns = config.unfrozen_parameters as string[];
    const unfrozen = parameterNames.filter((n) => patterns.some((p) => axolotlMatches(p, n))).sort();
    expect(unfrozen).toEqual(expectedTrainable);
    expect(unfrozen.length).toBeGreaterThan(0);
  });

  it('DeepSpeed: ZeRO-2 with the keys the trainers ship, its "auto" values filled from the trainer config', async () => {
    for (const out of [lf, ax]) {
      const ds = JSON.parse(await readFile(join(out, 'deepspeed-zero2.json'), 'utf8')) as Json;
      expect(Object.keys(ds).filter((k) => !DEEPSPEED_KEYS.has(k))).toEqual([]);
      expect(Object.keys(ds.zero_optimization).filter((k) => !ZERO_KEYS.has(k))).toEqual([]);
      expect(ds.zero_optimization.stage).toBe(2);
      for (const k of ['train_batch_size', 'train_micro_batch_size_per_gpu', 'gradient_accumulation_steps', 'gradient_clipping']) expect(ds[k]).toBe('auto');
      expect(ds.bf16).toEqual({ enabled: 'auto' });
    }
  });
});

describe('README-handoff.md', () => {
  let lf: string;
  let ax: string;
  beforeAll(async () => {
    const { dir, plan } = await surgeryOutput(root, 'readme', { strategy: 's', expand: 2, prune: 1 });
    await exportModel(dir, { format: 'llamafactory', out: join(root, 'readme-lf') });
    await exportModel(dir, { format: 'axolotl', out: join(root, 'readme-ax') });
    lf = await readFile(join(root, 'readme-lf', 'README-handoff.md'), 'utf8');
    ax = await readFile(join(root, 'readme-ax', 'README-handoff.md'), 'utf8');
    expect(lf).toContain(`trainable params" is ${plan.counts.trainableParameters.toLocaleString('en-US')}.`);
  });

  it('installs LLaMA-Factory as it now asks: the package, then its metrics and DeepSpeed requirements (no extras, which it dropped)', () => {
    const install = shellBlocks(lf).find((b) => b.includes('pip install'))!;
    expect(install.split('\n')).toEqual(
      expect.arrayContaining([
        'python3 -m venv .venv',
        'git clone --depth 1 https://github.com/hiyouga/LlamaFactory.git',
        'pip install -e ./LlamaFactory',
        'pip install -r LlamaFactory/requirements/metrics.txt -r LlamaFactory/requirements/deepspeed.txt',
      ]),
    );
    expect(lf).not.toMatch(/\[torch,metrics|\[metrics|,deepspeed\]/);
    expect(lf).toContain('checked against LLaMA-Factory 0.9.6');
    expect(lf).toContain(
      'torchrun --nnodes 2 --node_rank 0 --nproc_per_node 8 --master_addr 10.0.0.1 --master_port 29500 slayer_llamafactory.py slayer-llamafactory.yaml',
    );
  });

  it('installs Axolotl after PyTorch with its flash-attn and DeepSpeed extras, and launches with its own CLI', () => {
    const install = shellBlocks(ax).find((b) => b.includes('pip install'))!;
    expect(install.split('\n')).toEqual(
      expect.arrayContaining(['pip install torch torchvision', 'pip install --no-build-isolation "axolotl[flash-attn,deepspeed]"']),
    );
    expect(ax).toContain('checked against Axolotl 0.18');
    expect(ax).toContain('set `attn_implementation: sdpa`');
    const commands = shellBlocks(ax).join('');
    expect(commands).toContain('axolotl train slayer-axolotl.yml\n');
    expect(commands).toContain('axolotl train slayer-axolotl.yml --launcher torchrun -- --nnodes 2 --nproc_per_node 8');
  });

  it('ends with bringing the model back and evaluating it with slayer eval', () => {
    for (const [readme, output] of [
      [lf, 'output-llamafactory'],
      [ax, 'output-axolotl'],
    ]) {
      const back = shellBlocks(readme).at(-1)!.trim().split('\n');
      expect(back[0]).toBe(`rsync -a --exclude 'checkpoint-*' gpu-box:PATH/TO/THIS/FOLDER/${output}/ trained/`);
      expect(back.slice(1)).toEqual([
        'cp MODEL/slayer.json trained/',
        'slayer eval MODEL --data CORPUS --split validation',
        'slayer eval trained --data CORPUS --split validation',
        'slayer eval trained --data CORPUS --split general-validation',
      ]);
    }
  });

  it('holds shell that bash accepts', async () => {
    for (const block of [...shellBlocks(lf), ...shellBlocks(ax)]) await run('bash', ['-n', '-c', block]);
  });

  it.skipIf(!python)('turns a folder of text files into corpus.jsonl with the command it gives', async () => {
    const docs = join(root, 'docs');
    await mkdir(join(docs, 'sub'), { recursive: true });
    await writeFile(join(docs, 'a.txt'), 'Erster Text mit Umlauten: äöü.\nZweite Zeile.');
    await writeFile(join(docs, 'sub', 'b.md'), '# Title\n\n"quoted" and \\ backslash');
    await writeFile(join(docs, 'skip.bin'), 'not text');
    const command = shellBlocks(lf)
      .find((b) => b.includes('corpus.jsonl'))!
      .trim()
      .replace(' DOCS > corpus.jsonl', ` ${JSON.stringify(docs)}`);
    const { stdout } = await run('bash', ['-c', command]);
    expect(
      stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ text: 'Erster Text mit Umlauten: äöü.\nZweite Zeile.' }, { text: '# Title\n\n"quoted" and \\ backslash' }]);
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
    for (const f of [1e-4, 1e-8, 0, 2, 1e21, 0.95]) expect(yamlScalar(float(f))).toMatch(PYYAML_FLOAT);
    expect(toYaml([{ comment: 'c' }, { blank: true }, { key: 'k', list: ['a', 1] }, { key: 'm', mappings: [{ x: 1, y: 'z' }] }])).toBe(
      '# c\n\nk:\n  - a\n  - 1\nm:\n  - x: 1\n    y: z\n',
    );
  });
});
