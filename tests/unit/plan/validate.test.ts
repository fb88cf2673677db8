/** Malformed or impossible plans: each is refused with its own one-line message. */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makePlan, readPlanFile, validatePlan, writePlanFile } from '../../../src/main/plan/index.js';
import { isUserError } from '../../../src/shared/errors.js';
import { modelOf, referenceConfig } from './helpers.js';

const llama = modelOf(referenceConfig('llama-2-7b'));
const paper = makePlan(llama, { strategy: 's', paper: true });
type Doc = Record<string, any>;
const edited = (edit: (p: Doc) => void): Doc => {
  const copy = structuredClone(paper) as Doc;
  edit(copy);
  return copy;
};

/** Refused with a UserError whose single line starts with the file name and matches `message`. */
function expectRefused(doc: unknown, message: RegExp, model = llama): void {
  let error: unknown;
  try {
    validatePlan(doc, model, 'PLAN.json');
  } catch (e) {
    error = e;
  }
  expect(isUserError(error)).toBe(true);
  const text = (error as Error).message;
  expect(text).not.toContain('\n');
  expect(text.startsWith('PLAN.json')).toBe(true);
  expect(text).toMatch(message);
}

describe('validatePlan', () => {
  it('accepts every plan makePlan writes', () => {
    expect(validatePlan(structuredClone(paper), llama)).toEqual(paper);
  });

  const cases: [string, Doc | unknown, RegExp][] = [
    ['not an object', [1, 2], /expected a JSON object/],
    ['unknown version', edited((p) => (p.version = 2)), /plan version 2 is not known; this SLayer Studio reads version 1/],
    ['no version', edited((p) => delete p.version), /no "version" field/],
    ['unknown strategy', edited((p) => (p.strategy = 'magic')), /unknown strategy "magic"/],
    ['removed index out of range', edited((p) => (p.removed = [30, 32])), /"removed" must list original layer indices from 0 to 31/],
    ['duplicate removed index', edited((p) => (p.removed = [30, 30])), /ascending order without repeats/],
    ['pruning everything', edited((p) => ((p.removed = Array.from({ length: 32 }, (_, i) => i)), (p.layers = []))), /removes every layer/],
    ['empty layer list', edited((p) => (p.layers = [])), /"layers" must list/],
    ['layer index out of sequence', edited((p) => (p.layers[3].index = 7)), /layers\[3\]\.index must be 3/],
    ['unknown kind', edited((p) => (p.layers[0].kind = 'frozen')), /layers\[0\]\.kind must be kept, new or refreshed/],
    ['trainable not a boolean', edited((p) => (p.layers[0].trainable = 'yes')), /layers\[0\]\.trainable must be true or false/],
    ['unknown init method', edited((p) => (p.layers[2].init.method = 'random')), /init\.method must be copy, average or mean-of/],
    ['init source out of range', edited((p) => (p.layers[2].init.from = [1, 40])), /layers\[2\]\.init\.from must list distinct original layers \(0-31\)/],
    ['average with one source', edited((p) => (p.layers[2].init.from = [1])), /two for average/],
    [
      'zeroing a tensor the model lacks',
      edited((p) => p.layers[2].init.zeroed.push('self_attn.q_proj.bias')),
      /init\.zeroed must list distinct block tensors of this model/,
    ],
    ['new block whose source differs from init', edited((p) => (p.layers[2].source = [1])), /source must be the list in init\.from/],
    [
      'new block not after its layer',
      edited((p) => ((p.layers[5].init.from = [2, 3]), (p.layers[5].source = [2, 3]))),
      /made from layer 2, so it must come right after that layer/,
    ],
    ['kept source out of range', edited((p) => (p.layers[0].source = 33)), /layers\[0\]\.source must be an original layer index from 0 to 31/],
    [
      'kept layer also removed',
      edited((p) => ((p.layers[36].source = 30), (p.layers[36].init.from = [30]))),
      /layer 30 is both kept \(layers\[36\]\) and removed/,
    ],
    [
      'duplicate kept layer',
      edited((p) => ((p.layers[1].source = 0), (p.layers[1].init.from = [0]))),
      /repeats or reorders original layers \(layer 0 after layer 0\)/,
    ],
    [
      'kept layer with a zeroed tensor',
      edited((p) => p.layers[0].init.zeroed.push('mlp.down_proj.weight')),
      /layers\[0\] is kept, so its init must be a plain copy of layer 0/,
    ],
    ['refreshed from other layers', edited((p) => (p.layers[37].init.from = [30, 31])), /refreshes layer 29, so init\.from must start with 29/],
    [
      'layer neither kept nor removed',
      edited((p) => ((p.layers = p.layers.filter((l: Doc) => l.source !== 28)), p.layers.forEach((l: Doc, k: number) => (l.index = k)))),
      /original layer 28 is neither kept nor removed/,
    ],
    ['refreshed not last', edited((p) => ((p.layers[36].kind = 'refreshed'), (p.layers[36].trainable = true))), /only one layer can be refreshed/],
    [
      'pruning the first half under S',
      {
        ...structuredClone(makePlan(llama, { strategy: 'manual', layout: { expand: [{ after: 1, init: 'average' }], prune: [3], refresh: 'mean' } })),
        strategy: 's',
      },
      /never deletes shallow layers, but layer 3 is in the first half \(0-15\)/,
    ],
    ['trainGlobals missing', edited((p) => delete p.trainGlobals), /"trainGlobals" must be true or false/],
    ['counts inconsistent', edited((p) => (p.counts.parameters += 1)), /counts\.parameters is 7952715777 but this model's config gives 7952715776/],
    [
      'trainable count inconsistent',
      edited((p) => (p.layers[0].trainable = true)),
      /counts\.trainableParameters is 1821450240 but this model's config gives 2023833600/,
    ],
    [
      'trains nothing',
      edited((p) => {
        for (const l of p.layers) l.trainable = false;
        p.counts.trainableParameters = 0;
      }),
      /it trains nothing/,
    ],
    ['settings missing', edited((p) => delete p.settings), /"settings" must be an object/],
    [
      'broken scores',
      edited((p) => (p.scores = { layers: [], samples: 1, seqLen: 1, dataHash: 'x' })),
      /\(its scores\): it scores 0 layers but the model has 32/,
    ],
  ];
  for (const [name, doc, message] of cases) it(`refuses: ${name}`, () => expectRefused(doc, message));

  it('refuses a plan made for a different model', () => {
    expectRefused(
      structuredClone(paper),
      /made for a different model \(base\.architecture is "LlamaForCausalLM", this model has "MistralForCausalLM"\)/,
      modelOf(referenceConfig('mistral-7b-v0.1')),
    );
    expectRefused(
      structuredClone(paper),
      /made for a different model \(base\.layers is 32, this model has 30\)/,
      modelOf({ ...referenceConfig('llama-2-7b'), num_hidden_layers: 30 }),
    );
  });

  it('refuses the refreshed block when it is not the last kept layer', () => {
    const p = makePlan(llama, { strategy: 'manual', layout: { expand: [], prune: [], refresh: 'mean' } }) as Doc;
    const swapped = structuredClone(p);
    swapped.layers[31] = { ...swapped.layers[31], kind: 'kept', trainable: false };
    swapped.layers[30] = { ...swapped.layers[30], kind: 'refreshed', trainable: true };
    expectRefused(swapped, /layers\[30\] is refreshed but is not the last kept layer/);
  });
});

describe('manual plan checks', () => {
  const manual = (expand: number[], prune: number[]) =>
    makePlan(llama, { strategy: 'manual', layout: { expand: expand.map((after) => ({ after, init: 'average' })), prune, refresh: 'mean' } });
  it('refuses impossible lists', () => {
    expect(() => manual([32], [])).toThrow(/layer 32 does not exist \(this model has layers 0-31/);
    expect(() => manual([1, 1], [])).toThrow(/layer 1 is listed twice to expand after/);
    expect(() => manual([], [30, 30])).toThrow(/layer 30 is listed twice to prune/);
    expect(() =>
      manual(
        [],
        Array.from({ length: 32 }, (_, i) => i),
      ),
    ).toThrow(/prunes all 32 layers/);
    expect(() => manual([30], [30, 31])).toThrow(/expands after layer 30, which it also prunes/);
  });
  it('allows what the S strategy would not, such as a shallow deletion', () => {
    expect(manual([1], [3]).removed).toEqual([3]);
  });
});

describe('plan files', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('round-trips through disk and leaves no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slayer-plan-'));
    dirs.push(dir);
    await writePlanFile(join(dir, 'plan.json'), paper);
    expect(await readPlanFile(join(dir, 'plan.json'), llama)).toEqual(paper);
    expect(await readdir(dir)).toEqual(['plan.json']);
    await writeFile(join(dir, 'bad.json'), '{');
    await expect(readPlanFile(join(dir, 'bad.json'), llama)).rejects.toThrow(/bad\.json is not valid JSON/);
    await expect(writePlanFile(join(dir, 'plan.json', 'inside-a-file.json'), paper)).rejects.toThrow(/Cannot write the plan to/);
  });
});
