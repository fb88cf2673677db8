/**
 * The instruct stage as the Inject step runs it: what its form holds (settings.json's instruct
 * section), where it writes (models/instruct, trained from models/s-trained), the 'train' job it
 * starts (format "instruct") and the `slayer sft` line that does the same.
 */
import type { Project } from '../../shared/api';
import type { JobRequestParams } from '../../shared/jobs';
import { DEFAULTS } from '../../shared/training';
import type { InstructSettings } from '../../shared/project-settings';
import { joinPath, trainedModelOf } from '../../shared/project-layout';
import { shellQuote } from './plan-command';

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

export function sftCommand(p: JobRequestParams<'train'>): string {
  const args = ['slayer', 'sft', shellQuote(p.modelDir), '--data', shellQuote(p.data), '--out', shellQuote(p.out)];
  const flag = (name: string, value: string | number | undefined) => value !== undefined && args.push(`--${name}`, shellQuote(String(value)));
  flag('template', p.template);
  flag('packing', p.packing);
  flag('steps', p.steps);
  flag('lr', p.lr);
  flag('batch', p.batch);
  flag('seq-len', p.seqLen);
  for (const e of p.evalData ?? []) flag('eval-data', e);
  if (p.resume) args.push('--resume');
  if (p.overwrite) args.push('--force');
  return args.join(' ');
}
