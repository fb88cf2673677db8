/** Plain-language warnings about a corpus, for the data preview and the CLI. */
import type { SkippedInput } from './jsonl.js';

/** Below this, continued pre-training barely moves a model (the S-strategy paper trains on billions). */
export const SMALL_CORPUS_TOKENS = 1_000_000;
const MOSTLY_DUPLICATES = 0.5;
const MANY_DUPLICATES = 0.2;
const CODE_SHARE_EXPECTED = 0.2;
const LISTED_BY_NAME = 3;

export interface WarningFacts {
  domain: string | null;
  seqLen: number;
  documents: number;
  trainTokens: number;
  trainSequences: number;
  validationDocuments: number;
  duplicatesRemoved: number;
  /** Files that could not be read (not those excluded by rule, like lock files). */
  unreadable: SkippedInput[];
  codeDocuments: number;
  general: { documents: number; validationDocuments: number } | null;
}

const percent = (x: number) => `${Math.round(x * 100)}%`;
const count = (n: number) => n.toLocaleString('en-US');

export function corpusWarnings(f: WarningFacts): string[] {
  const out: string[] = [];
  if (f.trainSequences === 0) {
    out.push(
      `The training part holds ${count(f.trainTokens)} tokens, less than one sequence of ${f.seqLen}: nothing can be trained on it. Add documents or choose a shorter sequence length.`,
    );
  } else if (f.trainTokens < SMALL_CORPUS_TOKENS) {
    out.push(
      `The corpus is small (${count(f.trainTokens)} training tokens). Training on it will change the model only a little; a few million tokens of domain text is a better start.`,
    );
  }
  const seen = f.documents + f.duplicatesRemoved;
  const dupShare = seen ? f.duplicatesRemoved / seen : 0;
  if (dupShare > MOSTLY_DUPLICATES) {
    out.push(
      `Most documents (${percent(dupShare)}) were duplicates and were removed. Check that the folder does not hold several copies of the same material.`,
    );
  } else if (dupShare > MANY_DUPLICATES) {
    out.push(`${percent(dupShare)} of the documents were duplicates and were removed.`);
  }
  if (f.unreadable.length > 0) {
    const named = f.unreadable
      .slice(0, LISTED_BY_NAME)
      .map((s) => `${s.path} (${s.reason})`)
      .join('; ');
    const more = f.unreadable.length > LISTED_BY_NAME ? ` and ${count(f.unreadable.length - LISTED_BY_NAME)} more` : '';
    out.push(
      `${count(f.unreadable.length)} file${f.unreadable.length === 1 ? '' : 's'} or line${f.unreadable.length === 1 ? '' : 's'} could not be used: ${named}${more}. All are listed under "skipped".`,
    );
  }
  if (f.documents > 0 && f.validationDocuments === 0) {
    out.push(
      'There is only one document, so none is left for validation. Add documents so that progress can be measured on text the model has not trained on.',
    );
  }
  if (f.domain === 'code' && f.documents > 0 && f.codeDocuments < CODE_SHARE_EXPECTED * f.documents) {
    out.push(`You chose the code domain, but only ${percent(f.codeDocuments / f.documents)} of the documents are source files.`);
  }
  if (f.general === null) {
    out.push('No general text was given, so forgetting cannot be checked. Add everyday text (books, news, encyclopaedia articles) as the general holdout.');
  } else if (f.general.validationDocuments === 0) {
    out.push('The general text has too few documents to hold any out for the forgetting check. Add more general documents.');
  }
  return out;
}
