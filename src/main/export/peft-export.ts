/**
 * The PEFT adapter export: the LoRA adapter of a model trained with `slayer train --lora` (or the
 * LoRA baseline of `slayer run`), unmerged, as a folder PEFT loads with
 * PeftModel.from_pretrained(base_model, PATH): adapter_config.json and adapter_model.safetensors
 * exactly as the training wrote them (src/main/train/lora-output.ts), plus a README that says
 * which base model it adapts. The copy is read back and compared tensor by tensor before it is
 * moved into place. (The model folder itself holds the merged weights, which every other format
 * exports.)
 */
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../shared/errors.js';
import { tempPathFor } from '../fs/atomic.js';
import { ADAPTER_FOLDER, PEFT_CONFIG_FILE, PEFT_VERSION, PEFT_WEIGHTS_FILE, readPeftAdapter } from '../train/lora-output.js';

export async function exportPeftAdapter(modelDir: string, out: string): Promise<string[]> {
  const source = join(modelDir, ADAPTER_FOLDER);
  const original = await readPeftAdapter(source);
  const staging = tempPathFor(out);
  await mkdir(staging, { recursive: true });
  try {
    for (const file of [PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE]) await copyFile(join(source, file), join(staging, file));
    await writeFile(join(staging, 'README.md'), readme(original.config));
    const copy = await readPeftAdapter(staging);
    for (const [name, t] of original.tensors) {
      const c = copy.tensors.get(name);
      if (!c || c.values.length !== t.values.length || c.values.some((x, i) => !Object.is(x, t.values[i]))) {
        throw new UserError(`The exported adapter differs from ${source} in ${name}. Check the disk and export again.`);
      }
    }
    await rm(out, { recursive: true, force: true });
    await rename(staging, out);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return [PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE, 'README.md'].sort().map((f) => join(out, f));
}

function readme(config: Record<string, unknown>): string {
  return [
    '# LoRA adapter',
    '',
    `A LoRA adapter (rank ${String(config.r)}, alpha ${String(config.lora_alpha)}, on ${(config.target_modules as string[]).join(', ')}) trained by SLayer Studio,`,
    `saved as PEFT ${PEFT_VERSION} saves adapters. It adapts the base model at:`,
    '',
    `    ${String(config.base_model_name_or_path)}`,
    '',
    'Load it with PEFT (set base_model_name_or_path in adapter_config.json if the base model moved):',
    '',
    '```python',
    'from transformers import AutoModelForCausalLM',
    'from peft import PeftModel',
    '',
    'base = AutoModelForCausalLM.from_pretrained("PATH/TO/BASE")',
    'model = PeftModel.from_pretrained(base, "PATH/TO/THIS/FOLDER")',
    '```',
    '',
  ].join('\n');
}
