/**
 * `slayer apply PLAN.json --model MODEL --out DIR`: the surgery. Writes the new model as a
 * complete Hugging Face folder plus slayer.json, checks that an expansion-only plan keeps the
 * base model's logits, and prints what was written.
 */
import { readJsonFile } from '../../main/plan/json-file.js';
import { applyPlan, type ApplyResult } from '../../main/surgery/index.js';
import { requireRoomForJob } from '../../main/estimate/job.js';
import type { Command } from '../command.js';
import { requirePositional } from '../args.js';
import { helpLines, parseArgsOptions, parseFlags } from '../../shared/command-schema.js';
import { applySchema } from '../../shared/commands/apply.js';

const USAGE = 'slayer apply PLAN.json --model MODEL --out DIR [--force] [--json]';

export const applyCommand: Command<ApplyResult> = {
  usage: USAGE,
  details: [
    'PLAN.json comes from slayer plan for this same model. DIR receives config.json, the tokenizer files,',
    'the safetensors weights (same dtype and sharding as MODEL) and slayer.json (plan, trainable layers,',
    'source fingerprint). Plans that only add identity blocks are checked: the new model must give the',
    'same logits as MODEL. An existing DIR is refused unless --force, which replaces it only once the',
    'new model is complete.',
  ],
  options: parseArgsOptions(applySchema),
  optionHelp: helpLines(applySchema),
  async run(positionals, values, ctx) {
    const planFile = requirePositional(positionals, 0, 'the plan file (PLAN.json)', USAGE);
    const { modelDir: model, out, overwrite } = parseFlags(applySchema, values, {}, USAGE);
    // applyPlan opens the model first, then checks the plan against it, naming the file.
    const plan = await readJsonFile(planFile, 'Make the plan with slayer plan for this model.');
    await requireRoomForJob('apply', { modelDir: model, plan, out });
    const result = await applyPlan(model, plan, out, { ...ctx, overwrite, planName: planFile });
    ctx.info(`Wrote ${result.out}`);
    return result;
  },
  format(r) {
    const c = r.functionCheck;
    const check = c.checked
      ? `passed: ${c.newBlocks ? `new blocks are exact pass-throughs (largest logit difference ${c.newBlocks.maxAbsDiff}); ` : ''}computes ${c.reference} (largest logit difference ${c.maxAbsDiff})`
      : `not applicable: ${c.reason}`;
    return [
      `New model        ${r.out}`,
      `Layers           ${r.layers}`,
      `Parameters       ${r.parameters.toLocaleString('en-US')}`,
      `Trainable layers ${r.trainableLayers.join(', ') || 'none'}`,
      `Function check   ${check}`,
      `Written          ${(r.bytesWritten / 2 ** 20).toFixed(1)} MiB in ${r.seconds.toFixed(1)} s`,
    ].join('\n');
  },
};
