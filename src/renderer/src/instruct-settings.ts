/**
 * The instruct stage as the Inject step runs it: what its form holds (kept per project in
 * localStorage), where it writes (models/instruct, trained from models/trained), the 'train'
 * job it starts (format "instruct") and the `slayer sft` line that does the same.
 */
import type { Project } from '../../shared/api';
import type { InstructPacking } from '../../shared/instruct';
import type { JobRequestParams } from '../../shared/jobs';
import { DEFAULTS } from '../../shared/training';
import { trainCommandLine } from '../../shared/commands/train';

export interface InstructForm {
  /** The instruction examples (.jsonl or .json). */
  data: string | null;
  /** Held-out examples, scored on their responses before and after. */
  heldOut: string | null;
  /** A .jinja template instead of the model's own. */
  template: string | null;
  packing: InstructPacking;
  /** null: one pass over the examples. */
  steps: number | null;
  lr: number;
  batch: number;
  seqLen: number;
}

export function instructPlaces(project: Project) {
  return { from: `${project.dir}/models/trained`, out: `${project.dir}/models/instruct` };
}

const key = (projectId: string) => `slayer-instruct:${projectId}`;

export function loadInstructForm(projectId: string, seqLen: number): InstructForm {
  // A smaller learning rate than continued pre-training: instruction data are few and the model already knows the field.
  const defaults: InstructForm = { data: null, heldOut: null, template: null, packing: 'pack', steps: null, lr: DEFAULTS.lr / 2, batch: 4, seqLen };
  try {
    return { ...defaults, ...(JSON.parse(localStorage.getItem(key(projectId)) ?? 'null') as Partial<InstructForm> | null) };
  } catch {
    return defaults;
  }
}

export function saveInstructForm(projectId: string, form: InstructForm): void {
  localStorage.setItem(key(projectId), JSON.stringify(form));
}

/** The 'train' job of the instruct stage: the S model's trainable layers (slayer.json), on the examples, into models/instruct. */
export function instructParams(form: InstructForm, project: Project, overwrite: boolean): JobRequestParams<'train'> | null {
  if (!form.data) return null;
  const places = instructPlaces(project);
  return {
    modelDir: places.from,
    data: form.data,
    out: places.out,
    format: 'instruct',
    packing: form.packing,
    ...(form.template ? { template: form.template } : {}),
    ...(form.steps ? { steps: form.steps } : {}),
    lr: form.lr,
    batch: form.batch,
    seqLen: form.seqLen,
    trainable: 'auto',
    ...(form.heldOut ? { evalData: [form.heldOut], evalEvery: 0 } : {}),
    checkpointEvery: DEFAULTS.checkpointEvery,
    overwrite,
  };
}

/** The `slayer sft` command line of the job `p`, from the training schema (src/shared/commands/train.ts). */
export const sftCommand = (p: JobRequestParams<'train'>): string => trainCommandLine(p);
