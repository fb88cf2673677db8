/**
 * One schema per command: `slayer train`/`slayer sft` read their flags, print --help and check
 * the 'train' job from src/shared/commands/train.ts. Every option has a description, the parser's
 * defaults are the job's, --help matches a hand-written excerpt, and the command line the app
 * shows reads back to the same job parameters.
 */
import { parseArgs } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flagFields, helpLines, parseArgsOptions, parseFlags } from '../../../src/shared/command-schema';
import { scoreSchema } from '../../../src/shared/commands/score';
import { sftSchema, trainCommandLine, trainSchema, TRAIN_OPTION_DEFAULTS, type TrainJobRequest } from '../../../src/shared/commands/train';
import { jobParamSchemas } from '../../../src/shared/jobs';
import { main } from '../../../src/cli/main';
import { trainOptions } from '../../../src/cli/train-flags';
import { shellWords } from '../../helpers/shell-words';

/** What `slayer train|sft` makes of a command line: the job parameters it would run. */
function readBack(line: string) {
  const [slayer, command, ...args] = shellWords(line);
  expect(slayer).toBe('slayer');
  const schema = command === 'sft' ? sftSchema : trainSchema;
  const { values, positionals } = parseArgs({ args, options: parseArgsOptions(schema), allowPositionals: true, strict: true });
  const options = trainOptions(
    schema,
    values as Record<string, string | boolean | string[]>,
    positionals[0],
    'usage',
    command === 'sft' ? { format: 'instruct' } : {},
  );
  return trainSchema.parse({ ...options, modelDir: positionals[0] });
}

describe('the training schema', () => {
  it('gives every flag of train and sft a one-line description and a parser option', () => {
    for (const schema of [trainSchema, sftSchema]) {
      const fields = flagFields(schema);
      expect(fields.length).toBeGreaterThan(40);
      for (const f of fields) {
        expect(f.info.description, f.info.flag).toMatch(/^\S.{8,}$/);
        expect(f.info.description, f.info.flag).not.toContain('\n');
      }
      expect(Object.keys(parseArgsOptions(schema)).sort()).toEqual(fields.map((f) => f.info.flag).sort());
      expect(helpLines(schema)).toHaveLength(fields.length);
    }
    expect(flagFields(sftSchema).map((f) => f.info.flag)).not.toContain('format');
  });

  it('fills in the same defaults from the command line as the job schema does, and these are the recipe', () => {
    const fromFlags = trainOptions(trainSchema, { data: ['corpus'], out: 'trained' }, 'model', 'usage');
    const job = jobParamSchemas.train.parse({ modelDir: 'model', data: 'corpus', out: 'trained' });
    expect({ ...fromFlags, modelDir: 'model' }).toEqual(job);
    // The recipe as docs/training.md states it, written out by hand.
    expect(job).toMatchObject({
      batch: 8,
      gradAccum: 1,
      lr: 1e-4,
      schedule: 'cosine',
      finalLrRatio: 0.1,
      weightDecay: 0.1,
      clip: 1,
      optimizer: 'adamw',
      trainable: 'auto',
      seed: 0,
      shuffle: true,
      evalSamples: 64,
      checkpointEvery: 100,
      keepCheckpoints: 2,
      resume: false,
      overwrite: false,
      dtype: 'f32',
    });
    for (const key of ['steps', 'seqLen', 'warmup', 'replay', 'lora', 'format', 'provider']) expect(job, key).not.toHaveProperty(key);
    expect(TRAIN_OPTION_DEFAULTS).toMatchObject({ lr: job.lr, batch: job.batch, schedule: job.schedule, checkpointEvery: job.checkpointEvery });
  });

  it('refuses a bad value in one line that names the flag', () => {
    const bad = (values: Record<string, string | boolean | string[]>) => () =>
      parseFlags(trainSchema, { data: ['d'], out: 'o', ...values }, { modelDir: 'm' }, 'slayer train MODEL');
    expect(bad({ lr: 'fast' })).toThrow(/^--lr must be a number, got "fast"\.$/);
    expect(bad({ batch: '0' })).toThrow(/^--batch must be at least 1, got 0\.$/);
    expect(bad({ 'seq-len': '1.5' })).toThrow(/^--seq-len must be a whole number, got "1.5"\.$/);
    expect(bad({ schedule: 'step' })).toThrow(/^--schedule must be one of constant, linear, cosine; got "step"\.$/);
    expect(bad({ replay: '1' })).toThrow(/^--replay must be less than 1, got 1\.$/);
    expect(bad({ lora: true, 'lora-targets': 'q_proj,x_proj' })).toThrow(/^--lora-targets must be one of q_proj, k_proj, .*; got "q_proj,x_proj"\.$/);
    expect(bad({ 'lora-rank': '4' })).toThrow(/^--lora-rank needs --lora/);
    expect(bad({ 'max-memory': 'lots' })).toThrow(/^--max-memory must be a size such as 12GB/);
    expect(() => parseFlags(trainSchema, { data: ['d'] }, { modelDir: 'm' }, 'slayer train MODEL ...')).toThrow(
      /^Missing --out\. Usage: slayer train MODEL \.\.\.$/,
    );
  });
});

describe('slayer train --help', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints each option with its value, description and default', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    expect(await main(['train', '--help'])).toBe(0);
    const lines = out.split('\n');
    const at = lines.indexOf('Options:');
    expect(at).toBeGreaterThan(0);
    // Written by hand: the first options, the column they align to, a switch and its own options.
    expect(lines.slice(at + 1, at + 3)).toEqual([
      '  --data [NAME=]DATA[:WEIGHT]        training text: a file, folder or built corpus; repeat it to mix sources by weight',
      "  --replay SHARE                     share of every step's tokens taken from general text to limit forgetting, e.g. 0.05 (default: 0, or a built corpus's own share)",
    ]);
    expect(lines).toContain('  --lr X                             peak learning rate (default: 0.0001)');
    expect(lines).toContain('  --schedule constant|linear|cosine  learning rate after the warmup (default: cosine)');
    expect(lines).toContain("  --seq-len L                        tokens per training sequence (default: 512, at most the model's context)");
    expect(lines).toContain('  --lora                             train LoRA adapters instead, every base weight frozen');
    expect(lines).toContain('    --lora-rank R                    the rank of each adapter (default: 8)');
    expect(lines).toContain('  --no-shuffle                       read the data in file order: step s takes the next batch*grad-accum sequences');
    expect(lines).toContain("  --dtype f32|f16|bf16               how the trained model's weights are stored (training itself runs in fp32) (default: f32)");
    expect(lines.filter((l) => /^ {2,4}--\S+( \S+)?$/.test(l))).toEqual([]);
  });
});

describe('the command line the app shows', () => {
  const cases: [string, TrainJobRequest][] = [
    [
      'the Inject step run',
      { modelDir: '/p/models/expanded', data: '/p/corpus', out: '/p/models/trained', steps: 12, seqLen: 32, lr: 3e-4, evalData: ['/p/corpus'], evalEvery: 4 },
    ],
    [
      'a mixture with replay, LoRA and every kind of value',
      {
        modelDir: "/my models/base's",
        data: [{ name: 'code', data: '/c/code', weight: 0.6 }, { data: '/c/math dir', weight: 0.4 }, { data: 'C:\\data' }],
        replay: 0.05,
        replayData: '/c/general',
        out: '/o',
        trainable: [2, 5],
        shuffle: false,
        lora: { rank: 4, targets: ['q_proj', 'o_proj'], layers: [0, 1] },
        evalData: ['/a', '/b c'],
        schedule: 'linear',
        dtype: 'bf16',
        resume: true,
        memoryLimitBytes: 12 * 2 ** 30,
        provider: 'cpu',
        threads: 2,
        streaming: true,
      },
    ],
    [
      'instruction data (slayer sft)',
      { modelDir: '/m', data: '/chat.jsonl', out: '/o', format: 'instruct', packing: 'pad', template: '/t.jinja', lr: 5e-5, overwrite: true },
    ],
    ['all defaults, full fine-tuning', { modelDir: 'm', data: 'd', out: 'o', trainable: 'all' }],
  ];

  it.each(cases)('%s: reads back to the same job parameters', (_name, params) => {
    const line = trainCommandLine(params);
    expect(readBack(line)).toEqual(trainSchema.parse(params));
  });

  it('leaves out what equals the default and writes the rest as the flags say', () => {
    expect(trainCommandLine(cases[0][1])).toBe(
      'slayer train /p/models/expanded --data /p/corpus --out /p/models/trained --steps 12 --seq-len 32 --lr 0.0003 --eval-data /p/corpus --eval-every 4',
    );
    expect(trainCommandLine(cases[1][1])).toBe(
      "slayer train '/my models/base'\\''s' --data code=/c/code:0.6 --data '/c/math dir:0.4' --data 'C:\\data' --replay 0.05 --replay-data /c/general " +
        "--out /o --schedule linear --trainable 2,5 --lora --lora-rank 4 --lora-targets q_proj,o_proj --lora-layers 0,1 --no-shuffle --eval-data /a --eval-data '/b c' " +
        '--resume --dtype bf16 --provider cpu --threads 2 --streaming --max-memory 12884901888',
    );
    expect(trainCommandLine(cases[2][1])).toBe('slayer sft /m --data /chat.jsonl --out /o --lr 0.00005 --template /t.jinja --packing pad --force');
  });
});

describe('the score schema', () => {
  it('describes every flag, and the command line and the job fill in the same defaults', () => {
    for (const f of flagFields(scoreSchema)) expect(f.info.description, f.info.flag).toMatch(/^\S.{8,}$/);
    const fromFlags = parseFlags(scoreSchema, { data: 'corpus' }, { modelDir: 'model' }, 'usage');
    expect(fromFlags).toEqual(jobParamSchemas.score.parse({ modelDir: 'model', data: 'corpus' }));
    // Written out by hand: 64 sequences, seed 0, fp32; the sequence length is left to the model's context.
    expect(fromFlags).toEqual({ modelDir: 'model', data: 'corpus', samples: 64, seed: 0, precision: 'fp32' });
    expect(parseFlags(scoreSchema, { data: 'c', spans: '2,3' }, { modelDir: 'm' }, 'usage').spans).toEqual([2, 3]);
    expect(parseFlags(scoreSchema, { data: 'c', spans: 'none' }, { modelDir: 'm' }, 'usage').spans).toEqual([]);
    expect(() => parseFlags(scoreSchema, { data: 'c', spans: '2,x' }, { modelDir: 'm' }, 'usage')).toThrow(/^--spans must be a number, got "2,x"\.$/);
  });
});
