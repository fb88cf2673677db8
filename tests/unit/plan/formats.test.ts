/**
 * plan.json and slayer.json have one zod schema each (src/shared/formats.ts), published as JSON
 * Schema in docs/formats.md. The published schemas are the ones the code makes, they validate
 * the files a plan and a surgery really write (checked by an independent JSON Schema validator,
 * Ajv), they refuse a broken file, and they describe the same shape as the TypeScript types.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { makePlan, writePlanFile } from '../../../src/main/plan/index.js';
import { applyPlan } from '../../../src/main/surgery/index.js';
import type { SurgeryRecord } from '../../../src/main/surgery/record.js';
import { formatJsonSchemas, type planSchema, type surgeryRecordSchema } from '../../../src/shared/formats.js';
import type { Plan } from '../../../src/shared/plan.js';
import { generate } from '../surgery/helpers.js';
import { tempDir } from '../../helpers/tmp.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir: root, cleanup } = await tempDir('slayer-formats-')));
afterAll(() => cleanup?.());

const ajv = new Ajv2020({ allErrors: true, strict: false });
const schemas = formatJsonSchemas();
const validate = (name: keyof typeof schemas, doc: unknown) => {
  const check = ajv.compile(schemas[name] as object);
  return check(doc) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
};

/** The JSON Schema block docs/formats.md publishes for `name`. */
async function published(name: string): Promise<unknown> {
  const doc = await readFile(join(__dirname, '../../../docs/formats.md'), 'utf8');
  const block = new RegExp(`<!-- json-schema: ${name.replace('.', '\\.')} -->\\n\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  expect(block, `docs/formats.md publishes the schema of ${name}`).not.toBeNull();
  return JSON.parse(block![1]);
}

describe('file formats', () => {
  it('docs/formats.md publishes the JSON Schemas the code makes', async () => {
    expect(await published('plan.json')).toEqual(schemas['plan.json']);
    expect(await published('slayer.json')).toEqual(schemas['slayer.json']);
  });

  it('validate the plan.json and slayer.json that slayer plan and slayer apply write, for several strategies', async () => {
    const base = join(root, 'base');
    const folder = await generate(base, { layers: 6 });
    await folder.close();
    const plans: Plan[] = [
      makePlan(folder.description, { strategy: 's', expand: 2, prune: 1 }),
      makePlan(folder.description, { strategy: 'llama-pro', expand: 2 }),
      makePlan(folder.description, { strategy: 'last-k', lastK: 2 }),
      makePlan(folder.description, { strategy: 'manual', layout: { expand: [{ after: 1, init: 'average' }], prune: [5], refresh: 'none' } }),
    ];
    for (const [k, plan] of plans.entries()) {
      const file = join(root, `plan-${k}.json`);
      await writePlanFile(file, plan);
      expect(validate('plan.json', JSON.parse(await readFile(file, 'utf8'))), plan.strategy).toEqual([]);
    }
    const out = join(root, 'expanded');
    await applyPlan(base, plans[0], out);
    const record = JSON.parse(await readFile(join(out, 'slayer.json'), 'utf8'));
    expect(validate('slayer.json', record)).toEqual([]);
    expect(record.functionCheck.checked).toBe(true);

    // Broken files are refused, at the field that is wrong.
    expect(validate('slayer.json', { ...record, trainableLayers: [-1] })).toEqual(['/trainableLayers/0 must be >= 0']);
    expect(validate('plan.json', { ...plans[0], version: 2 })).toEqual(['/version must be equal to constant']);
    const badLayer = { ...plans[0], layers: [{ ...plans[0].layers[0], kind: 'grown' }, ...plans[0].layers.slice(1)] };
    expect(validate('plan.json', badLayer)).toEqual(['/layers/0/kind must be equal to one of the allowed values']);
  }, 120_000);

  it('describe the same shapes as the TypeScript types', () => {
    expectTypeOf<z.output<typeof planSchema>>().toEqualTypeOf<Plan>();
    // slayer.json as surgery writes it; training adds its record later.
    expectTypeOf<Omit<z.output<typeof surgeryRecordSchema>, 'training'>>().toEqualTypeOf<SurgeryRecord>();
  });
});
