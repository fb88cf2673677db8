/**
 * The instruct stage's measure: how well a model predicts the responses of held-out
 * instruction examples, each rendered with the chat template as in training, one example per
 * sequence, scored on its response tokens only (mean -log p, and its exponential, the response
 * perplexity). The Evaluate step compares the base, S and S+SFT models with it; `slayer sft
 * --eval-data` tracks it during training. Memory is planned like every forward job.
 */
import { UserError } from '../../shared/errors.js';
import type { InstructEvaluation } from '../../shared/instruct.js';
import { progressSpan, type TaskControl } from '../../shared/progress.js';
import { loadChatTemplate } from '../data/chat-template.js';
import { loadInstructionSequences } from '../data/instruction-sequences.js';
import { withEngine, withModelFolder, type EngineSettings } from '../evaluate/model-session.js';

export interface InstructEvalOptions extends EngineSettings {
  data: string;
  /** A Jinja template instead of the model's own. */
  template?: string | null;
  seqLen: number;
}

export async function evaluateInstructions(modelDir: string, o: InstructEvalOptions, control: TaskControl = {}): Promise<InstructEvaluation> {
  const started = performance.now();
  return withModelFolder(modelDir, async (folder) => {
    if (!folder.hasTokenizer) throw new UserError(`${modelDir} has no tokenizer.json, which instruction examples need. Add the model's tokenizer.`);
    const tokenizer = await folder.loadTokenizer();
    const template = await loadChatTemplate(modelDir, o.template);
    const read = await loadInstructionSequences(
      o.data,
      tokenizer,
      template,
      { seqLen: Math.min(o.seqLen, folder.description.maxPositionEmbeddings), packing: 'pad', vocabSize: folder.description.vocabSize },
      progressSpan(control, 0, 0.1, 'Reading instructions'),
    );
    const job = { work: 'Evaluating instructions', sequences: read.sequences.length, seqLen: Math.max(...read.sequences.map((s) => s.length)) };
    return withEngine(folder, o, job, progressSpan(control, 0.1, 0.2, 'Loading model'), async (engine) => {
      const { tokenLogProbs } = await engine.run(read.sequences, { control: progressSpan(control, 0.2, 1) });
      let nll = 0;
      let tokens = 0;
      tokenLogProbs.forEach((logProbs, s) => {
        const mask = read.layouts[s].targetMask!;
        for (let t = 0; t < logProbs.length; t++) {
          if (!mask[t]) continue;
          nll -= logProbs[t];
          tokens++;
        }
      });
      return {
        modelDir: folder.dir,
        meanNll: nll / tokens,
        perplexity: Math.exp(nll / tokens),
        responseTokens: tokens,
        examples: read.sequences.length,
        template: template.info,
        seqLen: o.seqLen,
        dataHash: read.dataHash,
        seconds: (performance.now() - started) / 1000,
      };
    });
  });
}
