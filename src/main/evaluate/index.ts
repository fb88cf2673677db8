/** Evaluation: held-out perplexity, multiple-choice QA by log-likelihood, benchmark tasks, text generation. */
export { evaluateModel, evaluateTasks, EVAL_SEQ_LEN } from './evaluate.js';
export type { EvaluateOptions, EvaluateResult, TaskEvaluation, TaskSelection } from './evaluate.js';
export { perplexityOf, measurePerplexity } from './perplexity.js';
export type { Perplexity } from './perplexity.js';
export { prepareQuestions, scoreMultipleChoice, multipleChoiceAccuracy, questionContext, choiceContinuation, choiceTokens } from './multiple-choice.js';
export type { ChoiceTokens, MultipleChoiceResult, PreparedQuestion } from './multiple-choice.js';
export { generateText, generateTokens, promptTokens, checkGenerateOptions } from './generate.js';
export type { GenerateOptions, GenerateResult, Generation, StopReason } from './generate.js';
export { chooseToken } from './sampling.js';
export type { SamplingOptions } from './sampling.js';
export type { EngineSettings } from './model-session.js';
export type { DataOptions } from './model-data.js';
