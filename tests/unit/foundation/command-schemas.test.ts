/**
 * Every command with options reads them from one schema (src/shared/commands): --help lists every
 * option with a description, each command and its job accept the same options with the same
 * defaults, the command lines the app shows read back to the same job, and `slayer run`'s flags
 * are the project settings they override. Expected values are written by hand.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultOf, flagFields, optionList, parseFlags } from '../../../src/shared/command-schema';
import { COMMAND_SCHEMAS } from '../../../src/shared/commands/index';
import { applyCommandLine, applySchema } from '../../../src/shared/commands/apply';
import { corpusSchema } from '../../../src/shared/commands/corpus';
import { evalCommandLine, evalSchema, type EvalJobRequest } from '../../../src/shared/commands/eval';
import { exportCommandLine, exportSchema, type ExportJobRequest } from '../../../src/shared/commands/export';
import { generateCommandLine, generateSchema, type GenerateJobRequest } from '../../../src/shared/commands/generate';
import { planCommandLine, planFlags, planSchema } from '../../../src/shared/commands/plan';
import { demoSchema } from '../../../src/shared/commands/demo';
import { probeSchema } from '../../../src/shared/commands/probe';
import { runSchema } from '../../../src/shared/commands/run';
import { scoreSchema } from '../../../src/shared/commands/score';
import { sftSchema, trainSchema } from '../../../src/shared/commands/train';
import { jobParamSchemas, type JobKind } from '../../../src/shared/jobs';
import { defaultProjectSettings, projectSettingsSchema } from '../../../src/shared/project-settings';
import type { Command } from '../../../src/cli/command';
import type { PlanOptions } from '../../../src/shared/plan';
import { applyCommand } from '../../../src/cli/commands/apply';
import { corpusCommand } from '../../../src/cli/commands/corpus';
import { demoCommand } from '../../../src/cli/commands/demo';
import { evalCommand } from '../../../src/cli/commands/eval';
import { exportCommand } from '../../../src/cli/commands/export';
import { generateCommand } from '../../../src/cli/commands/generate';
import { planCommand } from '../../../src/cli/commands/plan';
import { probeCommand } from '../../../src/cli/commands/probe';
import { runCommand } from '../../../src/cli/commands/run';
import { scoreCommand } from '../../../src/cli/commands/score';
import { sftCommand } from '../../../src/cli/commands/sft';
import { trainCommand } from '../../../src/cli/commands/train';
import { main } from '../../../src/cli/main';
import { shellWords } from '../../helpers/shell-words';

type Values = Record<string, string | boolean | string[]>;

/** name, its command, the schema it parses, the job that takes the same options (null: none). */
const COMMANDS: [string, Command, z.ZodObject, JobKind | null][] = [
  ['score', scoreCommand as Command, scoreSchema, 'score'],
  ['probe', probeCommand as Command, probeSchema, 'probe'],
  ['eval', evalCommand as Command, evalSchema, 'eval'],
  ['generate', generateCommand as Command, generateSchema, 'generate'],
  ['export', exportCommand as Command, exportSchema, 'export'],
  ['corpus', corpusCommand as Command, corpusSchema, 'corpus'],
  ['apply', applyCommand as Command, applySchema, 'apply'],
  ['train', trainCommand as Command, trainSchema, 'train'],
  ['sft', sftCommand as Command, sftSchema, null],
  ['plan', planCommand as Command, planSchema, null],
  ['run', runCommand as Command, runSchema, null],
  ['demo', demoCommand as Command, demoSchema, null],
];

const flagsOf = (schema: z.ZodObject) => flagFields(schema).map((f) => f.info.flag);

describe('slayer <command> --help', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(COMMANDS)('%s lists every option once, with a one-line description', async (name, _command, schema) => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    expect(await main([name, '--help'])).toBe(0);
    const lines = out.split('\n');
    const options = lines.slice(lines.indexOf('Options:') + 1, lines.indexOf('', lines.indexOf('Options:')));
    const flagOfLine = (l: string) => /^ {2,4}--(\S+)/.exec(l)?.[1];
    expect(options.map(flagOfLine)).toEqual(flagsOf(schema));
    for (const f of flagFields(schema)) {
      expect(f.info.description, `${name} --${f.info.flag}`).toMatch(/^\S.{8,}$/);
      expect(options.find((l) => flagOfLine(l) === f.info.flag)).toContain(f.info.description);
    }
  });
});

describe('each command and its job', () => {
  it.each(COMMANDS.filter((c) => c[3] !== null))('slayer %s parses exactly the flags of the %s job', (_name, command, schema, kind) => {
    const job = jobParamSchemas[kind!];
    expect(Object.keys(command.options).sort()).toEqual(flagsOf(schema).sort());
    expect(flagsOf(job).sort()).toEqual(flagsOf(schema).sort());
  });

  // The least each command takes, and the job parameters it means: the command line and the job fill in the same defaults.
  const cases: [string, z.ZodObject, Values, Record<string, unknown>, JobKind, Record<string, unknown>][] = [
    [
      'probe',
      probeSchema,
      { kind: 'insert', data: 'd' },
      { modelDir: 'm' },
      'probe',
      { modelDir: 'm', kind: 'insert', init: 'copy', data: 'd', samples: 64, seed: 0, precision: 'fp32' },
    ],
    ['eval', evalSchema, { data: 'd' }, { modelDir: 'm' }, 'eval', { modelDir: 'm', data: 'd', seed: 0 }],
    [
      'export',
      exportSchema,
      { format: 'gguf', out: 'o.gguf' },
      { modelDir: 'm' },
      'export',
      { modelDir: 'm', format: 'gguf', out: 'o.gguf', verify: true, overwrite: false },
    ],
  ];
  it.each(cases)('%s: the same defaults from flags as from the job', (_name, schema, values, given, kind, expected) => {
    const fromFlags = parseFlags(schema, values, given, 'usage');
    expect(fromFlags).toEqual(expected);
    expect(jobParamSchemas[kind].parse(expected)).toEqual(expected);
  });

  it('corpus: the job is the command with its sources, and both fill in the same defaults', () => {
    const fromFlags = parseFlags(corpusSchema, { model: 'm', domain: 'math' }, {}, 'usage');
    const job = jobParamSchemas.corpus.parse({ modelDir: 'm', domain: 'math', data: 'docs', out: 'p/corpus' });
    expect(fromFlags).toEqual({
      modelDir: 'm',
      domain: 'math',
      html: null,
      general: null,
      replay: 0,
      seqLen: 512,
      seed: 0,
      validationFraction: 0.1,
      textField: 'text',
    });
    expect(job).toEqual({ ...fromFlags, data: 'docs', out: 'p/corpus', weight: 1, sources: [] });
  });

  it('refuses what the job refuses, in one line naming the flag', () => {
    expect(() => parseFlags(probeSchema, { kind: 'swap', data: 'd' }, { modelDir: 'm' }, 'u')).toThrow(/^--kind must be one of drop, insert; got "swap"\.$/);
    expect(() => parseFlags(probeSchema, { data: 'd' }, { modelDir: 'm' }, 'slayer probe MODEL')).toThrow(/^Missing --kind\. Usage: slayer probe MODEL$/);
    expect(() => parseFlags(evalSchema, { data: 'd', fewshot: '-1' }, { modelDir: 'm' }, 'u')).toThrow(/^--fewshot must be at least 0, got -1\.$/);
    expect(() => parseFlags(corpusSchema, { model: 'm', validation: '0.7' }, {}, 'u')).toThrow(/^--validation must be at most 0\.5, got 0\.7\.$/);
    expect(() => parseFlags(exportSchema, { format: 'onnx', out: 'o' }, { modelDir: 'm' }, 'u')).toThrow(
      /^--format must be one of hf, gguf, llamafactory, axolotl, peft; got "onnx"\.$/,
    );
  });
});

/** What `slayer eval|export` makes of a command line the app shows: the job parameters it would run. */
function readBack(line: string, command: Command, schema: z.ZodObject) {
  const [, , model, ...args] = shellWords(line);
  const { values } = parseArgs({ args, options: command.options, allowPositionals: false, strict: true });
  return parseFlags(schema, values as Values, { modelDir: model }, 'usage');
}

describe('the command lines the app shows', () => {
  const evals: [string, EvalJobRequest][] = [
    ['a Compare run', { modelDir: '/p/models/base', data: '/p/corpus', split: 'general-validation', qa: "/q/it's.jsonl", seqLen: 256, samples: 32, seed: 3 }],
    [
      'with tasks and engine settings',
      { modelDir: '/m', data: '/d', tasks: ['bundled:code', '/t/my task.json'], fewshot: 0, limit: 5, bos: 'never', threads: 2 },
    ],
    ['all defaults', { modelDir: 'm', data: 'd' }],
  ];
  it.each(evals)('eval, %s: reads back to the same job', (_name, params) => {
    const line = evalCommandLine(params);
    expect(readBack(line, evalCommand as Command, evalSchema)).toEqual(jobParamSchemas.eval.parse(params));
  });

  const exports: [string, ExportJobRequest][] = [
    ['a GGUF file replacing an old one', { modelDir: '/p/models/trained', format: 'gguf', out: '/p/exports/my model.gguf', dtype: 'f16', overwrite: true }],
    ['unverified', { modelDir: 'm', format: 'gguf', out: 'o.gguf', verify: false }],
    ['a hand-off folder', { modelDir: 'm', format: 'llamafactory', out: 'o' }],
  ];
  it.each(exports)('export, %s: reads back to the same job', (_name, params) => {
    const line = exportCommandLine(params);
    expect(readBack(line, exportCommand as Command, exportSchema)).toEqual(jobParamSchemas.export.parse(params));
  });

  const generations: [string, GenerateJobRequest][] = [
    ['seeded sampling', { modelDir: '/m', prompt: "def f(x):\n    return 'x'", maxTokens: 48, temperature: 0.7, topK: 40, topP: 0.9, seed: 1 }],
    ['greedy, the defaults', { modelDir: '/m', prompt: 'The tenant shall' }],
  ];
  it.each(generations)('generate, %s: reads back to the same job', (_name, params) => {
    const line = generateCommandLine(params);
    expect(readBack(line, generateCommand as Command, generateSchema)).toEqual(jobParamSchemas.generate.parse(params));
  });

  const plans: [string, PlanOptions][] = [
    [
      'S by scores',
      {
        strategy: 's',
        expand: 4,
        prune: 1,
        pruneRule: 'gromov',
        scores: { metric: 'angularLast', values: [] } as never,
        scoreMetric: 'angularMean',
        refresh: 'keep',
      },
    ],
    ['S within a budget', { strategy: 's', paper: true, budgetParameters: 7.5e9, refresh: 'mean' }],
    [
      'manual',
      {
        strategy: 'manual',
        layout: {
          expand: [
            { after: 1, init: 'copy' },
            { after: 3, init: 'average' },
          ],
          prune: [6, 7],
          refresh: 'none',
        },
      },
    ],
    ['last-k', { strategy: 'last-k', lastK: 3 }],
  ];
  it.each(plans)('plan, %s: reads back to the same flags', (_name, options) => {
    const line = planCommandLine("/m/my model's", options, 2, 1024);
    const [, , model, ...args] = shellWords(line);
    expect(model).toBe("/m/my model's");
    const { values } = parseArgs({ args, options: planCommand.options, strict: true });
    expect(parseFlags(planSchema, values as Values, {}, 'usage')).toEqual(planSchema.parse(planFlags(options, 2, 1024, 'plan.json')));
  });

  it('apply: reads back to the same job, the plan from its file', () => {
    const params = { modelDir: '/p/models/base', out: '/p/models/expanded dir', overwrite: true };
    const line = applyCommandLine('/p/plan.json', params);
    expect(line).toBe("slayer apply /p/plan.json --model /p/models/base --out '/p/models/expanded dir' --force");
    const [, , planFile, ...args] = shellWords(line);
    const { values } = parseArgs({ args, options: applyCommand.options, strict: true });
    expect(planFile).toBe('/p/plan.json');
    expect(parseFlags(applySchema, values as Values, {}, 'usage')).toEqual(params);
  });

  it('writes the flags as the command reads them', () => {
    expect(planCommandLine('/m', plans[1][1], 1, 512)).toBe(
      'slayer plan /m --strategy s --paper --refresh mean --budget-params 7500000000 --batch 1 --seq-len 512 --out plan.json',
    );
    expect(generateCommandLine(generations[1][1])).toBe("slayer generate /m --prompt 'The tenant shall'");
    expect(evalCommandLine(evals[1][1])).toBe(
      "slayer eval /m --data /d --task bundled:code --task '/t/my task.json' --fewshot 0 --limit 5 --bos never --threads 2",
    );
    expect(exportCommandLine(exports[1][1])).toBe('slayer export m --format gguf --out o.gguf --no-verify');
  });
});

describe('slayer run and the project settings', () => {
  const settings = defaultProjectSettings();
  // Flag -> the settings.json field it overrides, written by hand.
  const table: [string, string, unknown][] = [
    ['steps', 'pipeline.steps', settings.pipeline.steps],
    ['batch', 'pipeline.batch', settings.pipeline.batch],
    ['lr', 'pipeline.lr', settings.pipeline.lr],
    ['seeds', 'pipeline.seeds', settings.pipeline.seeds],
    ['baselines', 'pipeline.baselines', settings.pipeline.baselines],
    ['lora-rank', 'pipeline.loraRank', settings.pipeline.loraRank],
    ['samples', 'pipeline.scoreSamples', settings.pipeline.scoreSamples],
    ['prune', 'pipeline.pruneRule', settings.pipeline.pruneRule],
    ['qa', 'pipeline.domainQa', settings.pipeline.domainQa],
    ['general-qa', 'pipeline.generalQa', settings.pipeline.generalQa],
    ['task', 'pipeline.domainTasks', settings.pipeline.domainTasks],
    ['general-task', 'pipeline.generalTasks', settings.pipeline.generalTasks],
    ['seed', 'corpus.seed', settings.corpus.seed],
  ];
  const field = (flag: string) => flagFields(runSchema).find((f) => f.info.flag === flag)!;

  it.each(table)('--%s takes the default of settings.json %s', (flag, _where, value) => {
    expect(defaultOf(field(flag).schema)).toEqual(value);
  });

  it('accepts and refuses the same values as the settings', () => {
    const pipeline = projectSettingsSchema.shape.pipeline.unwrap();
    for (const [flag, key, ok, bad] of [
      ['steps', 'steps', '5', '0'],
      ['lr', 'lr', '0.5', '11'],
      ['seeds', 'seeds', '100', '101'],
    ] as const) {
      expect(parseFlags(runSchema, { out: 'p', [flag]: ok }, {}, 'u')[key === 'steps' ? 'steps' : key]).toBe(Number(ok));
      expect(() => parseFlags(runSchema, { out: 'p', [flag]: bad }, {}, 'u')).toThrow(new RegExp(`^--${flag} must be`));
      expect(pipeline.safeParse({ [key]: Number(bad) }).success).toBe(false);
    }
    expect(parseFlags(runSchema, { out: 'p', baselines: 'none' }, {}, 'u').baselines).toEqual([]);
    expect(() => parseFlags(runSchema, { out: 'p', baselines: 'lora,qlora' }, {}, 'u')).toThrow(
      /^--baselines takes llama-pro, last-k, full, lora or none; got "qlora"\.$/,
    );
    expect(() => parseFlags(runSchema, { out: 'p', prune: '2' }, {}, 'u')).toThrow(/^--prune names the rule .* --prune-count 2\.$/);
    // Tasks repeat, as slayer eval's --task does.
    expect(parseFlags(runSchema, { out: 'p', task: ['bundled:code-js', 't.json'], 'general-task': ['g.jsonl'] }, {}, 'u')).toMatchObject({
      domainTasks: ['bundled:code-js', 't.json'],
      generalTasks: ['g.jsonl'],
    });
    // A run made from flags alone: 256 tokens per sequence (a project's corpus keeps its own, 512 by default).
    expect(parseFlags(runSchema, { out: 'p' }, {}, 'u').seqLen).toBe(256);
  });
});

describe('docs/cli.md', () => {
  it.each(Object.keys(COMMAND_SCHEMAS))('lists the options of slayer %s as its schema declares them (npm run docs:cli)', async (name) => {
    const doc = await readFile(join(__dirname, '../../../docs/cli.md'), 'utf8');
    const block = new RegExp(`<!-- options: ${name} -->\\n\\n([\\s\\S]*?)\\n\\n<!-- /options -->`).exec(doc);
    expect(block, `docs/cli.md has the options of ${name}`).not.toBeNull();
    expect(block![1].split('\n')).toEqual(optionList(COMMAND_SCHEMAS[name]));
    expect(block![1]).toContain('`--'); // one entry per flag, written out
  });
});
