/**
 * The recipe on the command line: `slayer corpus` with two sources and a replay share, `slayer
 * train --data NAME=DIR:WEIGHT`, `slayer sft` with its plain-template report, `slayer train
 * --lora` and `slayer export --format peft`; bad input one line on stderr, exit code 2, nothing trained.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { tempDir } from '../../helpers/tmp.js';

const run = promisify(execFile);

async function slayer(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/slayer.js', ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let dir: string;
let cleanup: () => Promise<void>;
let model: string;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('slayer-recipe-cli-'));
  model = join(dir, 'model');
  await generateTestModel(model, { layers: 2, hiddenSize: 16, intermediateSize: 32, heads: 2, vocabSize: 512, maxPositionEmbeddings: 128, seed: 5 });
  for (const [name, line] of [
    ['code', (i: number) => `function f${i}(x) { return x * ${i}; } // f${i}(${i}) is ${i * i}.`],
    ['math', (i: number) => `Let n = ${i}. Then n squared is ${i * i}, and n + 1 is ${i + 1}.`],
    ['general', (i: number) => `On day ${i} the people of the town walked to the market to buy bread.`],
  ] as const) {
    await mkdir(join(dir, name));
    for (let i = 0; i < 10; i++) await writeFile(join(dir, name, `d${i}.txt`), line(i).repeat(4));
  }
});
afterAll(async () => cleanup());

describe('the recipe on the command line', () => {
  it('corpus of two sources with replay -> train on its mixture; sft prints the plain template; LoRA -> PEFT export', async () => {
    const corpus = join(dir, 'corpus');
    const built = await slayer([
      'corpus',
      `code=${join(dir, 'code')}:0.6`,
      `math=${join(dir, 'math')}:0.4`,
      '--general',
      join(dir, 'general'),
      '--replay',
      '0.05',
      '--model',
      model,
      '--seq-len',
      '24',
      '--out',
      corpus,
      '--json',
    ]);
    expect(built.code, built.stderr).toBe(0);
    const report = JSON.parse(built.stdout);
    expect(report.mixture.sources.map((s: { name: string; share: number }) => [s.name, +s.share.toFixed(6)])).toEqual([
      ['code', 0.57],
      ['math', 0.38],
    ]);
    expect(JSON.parse(await readFile(join(corpus, 'mixture.json'), 'utf8'))).toEqual({
      version: 1,
      sources: [
        { name: 'code', path: '.', weight: 0.6 },
        { name: 'math', path: 'sources/math', weight: 0.4 },
      ],
      replay: 0.05,
    });

    const trained = await slayer([
      'train',
      model,
      '--data',
      corpus,
      '--out',
      join(dir, 'trained'),
      '--steps',
      '3',
      '--batch',
      '4',
      '--seq-len',
      '24',
      '--trainable',
      '1',
      '--threads',
      '1',
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(/Source {7}code: share 57\.0%/);
    expect(trained.stdout).toMatch(/Source {7}general \(replay\): share 5\.0%/);

    const chat = join(dir, 'chat.jsonl');
    await writeFile(
      chat,
      [
        { instruction: 'Say hi.', output: 'Hi!' },
        { prompt: 'Two plus two?', completion: 'Four.' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const sft = await slayer(['sft', join(dir, 'trained'), '--data', chat, '--out', join(dir, 'sft'), '--steps', '2', '--seq-len', '128', '--threads', '1']);
    expect(sft.code, sft.stderr).toBe(0);
    expect(sft.stdout).toContain('Template     the plain fallback template (the model has no chat template):');
    expect(sft.stdout).toContain('### Instruction:');
    expect(sft.stdout).toMatch(/Loss {9}\S+ -> \S+ \(response tokens only\)/);

    const lora = await slayer([
      'train',
      model,
      '--data',
      corpus,
      '--out',
      join(dir, 'lora'),
      '--steps',
      '2',
      '--seq-len',
      '24',
      '--lora',
      '--lora-rank',
      '2',
      '--threads',
      '1',
      '--json',
    ]);
    expect(lora.code, lora.stderr).toBe(0);
    expect(JSON.parse(lora.stdout).lora).toEqual({ rank: 2, alpha: 16, dropout: 0, targets: ['q_proj', 'v_proj'], layers: [0, 1] });
    const peft = await slayer(['export', join(dir, 'lora'), '--format', 'peft', '--out', join(dir, 'peft')]);
    expect(peft.code, peft.stderr).toBe(0);
    expect((await readdir(join(dir, 'peft'))).sort()).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors']);
    const notLora = await slayer(['export', join(dir, 'trained'), '--format', 'peft', '--out', join(dir, 'peft2')]);
    expect(notLora.code).toBe(2);
    expect(notLora.stderr.trim()).toMatch(/holds no LoRA adapter \(adapter_config\.json is missing\)\. Only a model trained with LoRA has one\.$/);
  }, 300_000);

  it.each([
    [
      ['train', '{model}', '--data', '{dir}/code:0', '--out', '{dir}/x', '--trainable', '0'],
      /^The weight of source "code" .* is 0; every source needs a positive weight/,
    ],
    [['train', '{model}', '--data', '{dir}/code:-1', '--out', '{dir}/x', '--trainable', '0'], /^The weight of source "code" .* is -1/],
    [['train', '{model}', '--data', '{dir}/code:half', '--out', '{dir}/x'], /the weight after ":" must be a number, got "half"/],
    [['train', '{model}', '--data', '{dir}/code', '--out', '{dir}/x', '--template', 't.jinja'], /^--template applies to instruction data: use slayer sft/],
    [['train', '{model}', '--data', '{dir}/code', '--out', '{dir}/x', '--lora-rank', '4'], /^--lora-rank needs --lora/],
    [
      ['sft', '{model}', '--data', '{dir}/bad.jsonl', '--out', '{dir}/x', '--trainable', '0'],
      /bad\.jsonl:2: "output" is missing\. Fix it, or choose to skip bad lines/,
    ],
    [
      ['run', '--model', '{model}', '--data', '{dir}/code', '--domain', 'code', '--general', '{dir}/general', '--out', '{dir}/p', '--baselines', 'lora,qlora'],
      /^--baselines takes llama-pro, last-k, full, lora or none; got "qlora"\.$/,
    ],
  ])(
    '%j: one line, exit code 2, nothing trained',
    async (args, message) => {
      await writeFile(join(dir, 'bad.jsonl'), [JSON.stringify({ prompt: 'a', completion: 'b' }), JSON.stringify({ instruction: 'c' })].join('\n'));
      const result = await slayer(args.map((a) => a.replace('{model}', model).replaceAll('{dir}', dir)));
      expect(result.code).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(await readdir(join(dir, 'x')).catch(() => [])).not.toContain('config.json');
    },
    60_000,
  );
});
