/**
 * The longer --help explanations shared by the commands that run a model (score, probe, eval,
 * generate): where the forward passes run, and which DATA sequences they read. The flags
 * themselves are declared in their command's schema (src/shared/commands).
 */
export const ENGINE_DETAILS = [
  '--provider: where the math runs. auto (default): the GPU through WebGPU when one answers and the job fits its memory (CUDA',
  '  when its libraries are installed), else the CPU; the job says which and why. webgpu: the GPU or a one-line refusal.',
  "  --threads N: CPU threads (default: all cores). --gpu-memory SIZE: the GPU's memory, for drivers that do not report it.",
  'Memory is planned before anything loads: weights in fp32 when they fit, else kept as stored (bf16/f16) and widened one block',
  '  at a time, else read from disk one block at a time; a job that fits none of these stops at once and says what would fit.',
  '--streaming: read one block at a time from disk whatever else would fit. --max-memory SIZE (e.g. 12GB): use at most this much.',
];

export const DATA_DETAILS = [
  'DATA: a file or folder of .txt, .md, source code, .jsonl ({"text": ...} or {"input_ids": [...]}), or a corpus built by `slayer corpus --out DIR`.',
  '--split train|validation|general-train|general-validation: the part of a built corpus to read (default train).',
  "--samples N: a seeded sample of N sequences (--seed S, default 0). --seq-len: tokens per sequence, at most the model's context.",
  '--bad-lines stop|skip: stop at an unusable JSONL line (default) or skip it and list it.',
];
