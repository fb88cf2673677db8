/**
 * Row order of the q/k projections for llama.cpp's "llama" architecture.
 *
 * Hugging Face Llama/Mistral rotate each head's query/key in the half-split layout: dimension i
 * pairs with i + d/2 (rotate_half). llama.cpp's llama graph rotates adjacent pairs (2i, 2i+1),
 * ggml's normal RoPE mode. convert_hf_to_gguf.py therefore reorders the output rows of q_proj and
 * k_proj (weights and biases) so that each rotated pair becomes adjacent (LlamaModel.permute):
 *
 *   w.reshape(n_head, 2, d/2, cols).swapaxes(1, 2).reshape(w.shape)
 *
 * Within each head of d = rows/n_head rows:   new row 2i + j  =  old row j*(d/2) + i,
 * for i < d/2 and j in {0, 1}. q_proj uses num_attention_heads, k_proj num_key_value_heads
 * (permute(w, n_head, n_head_kv) replaces n_head by n_head_kv when they differ). Both layouts give
 * the same q.k products, because the same pairs are rotated by the same angles.
 * Qwen2 needs none of this: llama.cpp rotates it in the half-split (NeoX) layout itself.
 */

/** Row of the Hugging Face layout that lands in row `row` of the GGUF layout. */
function sourceRow(row: number, headDim: number): number {
  const half = headDim / 2;
  const head = Math.floor(row / headDim);
  const within = row % headDim;
  const i = within >> 1;
  const j = within & 1;
  return head * headDim + j * half + i;
}

function reorderRows(values: Float32Array, heads: number, cols: number, toGguf: boolean): Float32Array {
  const rows = values.length / cols;
  const headDim = rows / heads;
  if (!Number.isInteger(rows) || !Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw new Error(`Cannot reorder ${values.length} values as ${heads} heads of rows with ${cols} columns and an even head size.`);
  }
  const out = new Float32Array(values.length);
  for (let row = 0; row < rows; row++) {
    const hf = sourceRow(row, headDim);
    const [from, to] = toGguf ? [hf, row] : [row, hf];
    out.set(values.subarray(from * cols, (from + 1) * cols), to * cols);
  }
  return out;
}

/** Hugging Face layout -> llama.cpp llama layout, for a [heads*d, cols] matrix or a [heads*d] bias (cols = 1). */
export function permuteRotaryRows(values: Float32Array, heads: number, cols: number): Float32Array {
  return reorderRows(values, heads, cols, true);
}

/** The inverse: llama.cpp llama layout -> Hugging Face layout. */
export function unpermuteRotaryRows(values: Float32Array, heads: number, cols: number): Float32Array {
  return reorderRows(values, heads, cols, false);
}
