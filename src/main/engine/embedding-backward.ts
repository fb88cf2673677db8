/**
 * Backward of the embedding lookup h_0[t] = E[id_t]: dE[id] = sum of dh_0[t] over the tokens
 * t with that id. Done in JS on purpose: the scatter-add touches only batch*seq*hidden values,
 * while a graph would have to return (and onnxruntime to copy out) a whole [vocab, hidden]
 * gradient per micro-batch.
 */
export function accumulateEmbeddingGrad(
  grad: Float32Array,
  tokenIds: BigInt64Array,
  tokenMask: Uint8Array,
  gradHidden: Float32Array,
  hiddenSize: number,
): void {
  for (let t = 0; t < tokenIds.length; t++) {
    if (!tokenMask[t]) continue;
    const row = Number(tokenIds[t]) * hiddenSize;
    const from = t * hiddenSize;
    for (let i = 0; i < hiddenSize; i++) grad[row + i] += gradHidden[from + i];
  }
}
