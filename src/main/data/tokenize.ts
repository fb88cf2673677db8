/**
 * A text document as the model sees it in training: [BOS] ids EOS. BOS follows the tokenizer's
 * configuration (add_bos_token, or its post-processor template); EOS is always appended because
 * packed documents need a separator whatever the tokenizer adds for single prompts.
 */
import { UserError } from '../../shared/errors.js';
import type { ModelTokenizer } from '../model/tokenizer.js';

export function requireSeparator(tokenizer: ModelTokenizer): number {
  if (tokenizer.eosId === null) {
    throw new UserError(
      'The model\'s tokenizer has no end-of-text token (eos_token in tokenizer_config.json), which separates documents. Add "eos_token" to tokenizer_config.json.',
    );
  }
  return tokenizer.eosId;
}

export function textDocumentTokens(tokenizer: ModelTokenizer, text: string): Int32Array {
  const eos = requireSeparator(tokenizer);
  const ids = tokenizer.encode(text, { addSpecial: false });
  const bos = tokenizer.addBos && tokenizer.bosId !== null ? 1 : 0;
  const out = new Int32Array(bos + ids.length + 1);
  if (bos) out[0] = tokenizer.bosId as number;
  out.set(ids, bos);
  out[out.length - 1] = eos;
  return out;
}
