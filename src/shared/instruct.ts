/**
 * Instruction tuning (the instruct stage after the S stage): conversations, the chat template
 * they are rendered with, and what a look at an instruction file reports. Computed by
 * src/main/data; shown by the Inject step's instruct panel and `slayer sft`.
 */

export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** How examples become training sequences: several packed into one (attention kept within each), or one per sequence, padded. */
export const INSTRUCT_PACKINGS = ['pack', 'pad'] as const;
export type InstructPacking = (typeof INSTRUCT_PACKINGS)[number];

export interface ChatTemplateInfo {
  /** Where it came from, in words: a file path, or the fallback. */
  source: string;
  text: string;
  /** The model has no chat template: the plain fallback is used. */
  fallback: boolean;
}

/** One rendered example: the text in pieces, the response pieces being what the loss is computed on. */
export interface RenderedPiece {
  text: string;
  response: boolean;
}

/** A look at instruction data before training: the template, the first example as the model sees it, counts. */
export interface InstructPreview {
  template: ChatTemplateInfo;
  examples: number;
  /** Shapes found, by name ("messages", "alpaca", "prompt/completion", "sharegpt") with their counts. */
  shapes: Record<string, number>;
  /** Tokens of all examples, and of their responses (what the loss sees). */
  tokens: number;
  responseTokens: number;
  /** Examples longer than the sequence length (cut), and examples left without a response token by the cut (dropped). */
  truncated: number;
  dropped: number;
  first: RenderedPiece[];
  /** Only the first examples were read (a quick look); training reads them all. */
  partial?: boolean;
}

/** How well a model predicts the responses of held-out instruction examples (the instruct stage's measure). */
export interface InstructEvaluation {
  modelDir: string;
  /** Mean -log p per response token. */
  meanNll: number;
  perplexity: number;
  responseTokens: number;
  examples: number;
  template: ChatTemplateInfo;
  seqLen: number;
  dataHash: string;
  seconds: number;
}
