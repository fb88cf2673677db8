/**
 * The instruct stage as the Inject step runs it: what its form holds (settings.json's instruct
 * section), where it writes (models/instruct, trained from models/s-trained), the 'train' job it
 * starts (format "instruct") and the `slayer sft` line that does the same.
 */
import type { Project } from '../../shared/api';
import type { JobRequestParams } from '../../shared/jobs';
import { DEFAULTS } from '../../shared/training';
import { trainCommandLine } from '../../shared/commands/train';
import type { InstructSettings } from '../../shared/project-settings';
import { joinPath, trainedModelOf } from '../../shared/project-layout';

/** The instruct stage's form: settings.json's instruct section with the sequence length settled. */
export type InstructForm = Omit<InstructSettings, 'seqLen'> & { seqLen: number };

/** The saved choices, the sequence length defaulting to `seqLen` (the corpus's, within the model's context). */
export function instructFormOf(saved: InstructSettings, seqLen: number): InstructForm {
  return { ...saved, seqLen: saved.seqLen ?? seqLen };
}

/** Trained from the S model (the pipeline's train-s folder, which the Inject step also writes), into models/instruct. */
export function instructPlaces(project: Project) {
  return { from: joinPath(project.dir, trainedModelOf('s')), out: joinPath(project.dir, 'models/instruct') };
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
