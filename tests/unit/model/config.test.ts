/**
 * config.json -> ModelDescription. Expected values come from the JSON fields themselves, and the
 * reference configs' parameter counts are the published totals of those models.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModelConfig, readModelConfig } from '../../../src/main/model/config.js';
import { blockParameters, blockTensorSpecs, globalTensorSpecs, modelParameters } from '../../../src/main/model/tensors.js';
import { isUserError } from '../../../src/shared/errors.js';

const REFERENCE_CONFIGS = 'tests/fixtures/reference-configs';

const base = {
  architectures: ['LlamaForCausalLM'],
  hidden_size: 64,
  intermediate_size: 160,
  num_attention_heads: 8,
  num_hidden_layers: 3,
  vocab_size: 300,
};

function rejection(json: unknown): string {
  try {
    parseModelConfig(json, 'cfg.json');
  } catch (e) {
    expect(isUserError(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a rejection');
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'slayer-config-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('reference configs', () => {
  it.each([
    // Published totals: Llama-2-7B 6,738,415,616; Mistral-7B-v0.1 7,241,732,096; Qwen2-7B 7,615,616,512.
    ['llama-2-7b.json', { family: 'llama', layers: 32, kvHeads: 32, headDim: 128, tied: false, bias: false, sliding: null }, 6_738_415_616],
    ['mistral-7b-v0.1.json', { family: 'mistral', layers: 32, kvHeads: 8, headDim: 128, tied: false, bias: false, sliding: 4096 }, 7_241_732_096],
    ['qwen2-7b.json', { family: 'qwen2', layers: 28, kvHeads: 4, headDim: 128, tied: false, bias: true, sliding: 131072 }, 7_615_616_512],
  ] as const)('%s', async (file, want, parameters) => {
    const m = await readModelConfig(join(REFERENCE_CONFIGS, file));
    expect(m.family).toBe(want.family);
    expect(m.layers).toBe(want.layers);
    expect(m.kvHeads).toBe(want.kvHeads);
    expect(m.headDim).toBe(want.headDim);
    expect(m.tiedEmbeddings).toBe(want.tied);
    expect(m.attentionBias).toBe(want.bias);
    expect(m.slidingWindow).toBe(want.sliding);
    expect(modelParameters(m)).toBe(parameters);
  });

  it('Llama-2-7B has 202,383,360 parameters per block (the paper; docs/s-strategy.md)', async () => {
    expect(blockParameters(await readModelConfig(join(REFERENCE_CONFIGS, 'llama-2-7b.json')))).toBe(202_383_360);
  });
});

describe('parseModelConfig', () => {
  it('reads grouped-query attention, defaulting to one KV head per head', () => {
    expect(parseModelConfig(base).kvHeads).toBe(8);
    const m = parseModelConfig({ ...base, num_key_value_heads: 2 });
    expect(m.kvHeads).toBe(2);
    const k = blockTensorSpecs(m).find((s) => s.name === 'self_attn.k_proj.weight');
    expect(k?.shape).toEqual([2 * (64 / 8), 64]);
    expect(rejection({ ...base, num_key_value_heads: 3 })).toMatch(/multiple of num_key_value_heads/);
  });

  it('uses head_dim when given, even when it differs from hidden_size / heads', () => {
    const m = parseModelConfig({ ...base, head_dim: 16 });
    expect(m.headDim).toBe(16);
    const shapes = Object.fromEntries(blockTensorSpecs(m).map((s) => [s.name, s.shape]));
    expect(shapes['self_attn.q_proj.weight']).toEqual([8 * 16, 64]);
    expect(shapes['self_attn.o_proj.weight']).toEqual([64, 8 * 16]);
    expect(parseModelConfig(base).headDim).toBe(8);
    expect(rejection({ ...base, num_attention_heads: 7 })).toMatch(/not divisible/);
    expect(rejection({ ...base, head_dim: 9 })).toMatch(/must be even/);
  });

  it('drops the LM head for tied embeddings', () => {
    const tied = parseModelConfig({ ...base, tie_word_embeddings: true });
    expect(tied.tiedEmbeddings).toBe(true);
    expect(globalTensorSpecs(tied).map((s) => s.name)).toEqual(['model.embed_tokens.weight', 'model.norm.weight']);
    expect(modelParameters(parseModelConfig(base)) - modelParameters(tied)).toBe(300 * 64);
    expect(rejection({ ...base, tie_word_embeddings: 'yes' })).toMatch(/tie_word_embeddings/);
  });

  it('reads Llama 3.1 RoPE scaling with its defaults', () => {
    const m = parseModelConfig({
      ...base,
      max_position_embeddings: 131072,
      rope_theta: 500000,
      rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
    });
    expect(m.ropeTheta).toBe(500000);
    expect(m.ropeScaling).toEqual({ type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 });
    const defaults = parseModelConfig({ ...base, rope_scaling: { type: 'llama3', factor: 32 } });
    expect(defaults.ropeScaling).toEqual({ type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 2048 });
    expect(parseModelConfig({ ...base, rope_scaling: { rope_type: 'default' } }).ropeScaling).toBeNull();
  });

  it.each(['linear', 'dynamic', 'yarn', 'longrope'])('rejects rope_scaling of type %s', (type) => {
    expect(rejection({ ...base, rope_scaling: { rope_type: type, factor: 2 } })).toMatch(new RegExp(`rope_scaling of type "${type}" is not supported`));
  });

  it('records sliding_window without changing anything else', () => {
    const m = parseModelConfig({ ...base, architectures: ['MistralForCausalLM'], sliding_window: 4096 });
    expect(m.slidingWindow).toBe(4096);
    expect(m.family).toBe('mistral');
    expect(modelParameters(m)).toBe(modelParameters(parseModelConfig(base)));
  });

  it('gives Qwen2 q/k/v biases (and Llama only with attention_bias)', () => {
    const qwen = parseModelConfig({ ...base, architectures: ['Qwen2ForCausalLM'], num_key_value_heads: 4 });
    expect(qwen.attentionBias).toBe(true);
    const biases = blockTensorSpecs(qwen).filter((s) => s.name.endsWith('.bias'));
    expect(biases.map((s) => [s.name, s.shape])).toEqual([
      ['self_attn.q_proj.bias', [64]],
      ['self_attn.k_proj.bias', [32]],
      ['self_attn.v_proj.bias', [32]],
    ]);
    expect(qwen.attentionOutputBias).toBe(false);
    expect(parseModelConfig(base).attentionBias).toBe(false);
    const llama = parseModelConfig({ ...base, attention_bias: true });
    expect(llama.attentionBias).toBe(true);
    // Hugging Face's LlamaAttention: o_proj = nn.Linear(heads * head_dim, hidden, bias=config.attention_bias).
    expect(llama.attentionOutputBias).toBe(true);
    expect(
      blockTensorSpecs(llama)
        .filter((s) => s.name.endsWith('.bias'))
        .map((s) => [s.name, s.shape]),
    ).toEqual([
      ['self_attn.q_proj.bias', [64]],
      ['self_attn.k_proj.bias', [64]],
      ['self_attn.v_proj.bias', [64]],
      ['self_attn.o_proj.bias', [64]],
    ]);
    expect(parseModelConfig({ ...base, mlp_bias: true }).mlpBias).toBe(true);
  });

  it('rejects other architectures and activations in one line', () => {
    expect(rejection({ ...base, architectures: ['GPT2LMHeadModel'] })).toMatch(/GPT2LMHeadModel, which is not supported/);
    expect(rejection({ ...base, hidden_act: 'gelu' })).toMatch(/activation "gelu"/);
    expect(rejection({ ...base, hidden_size: 0 })).toMatch(/hidden_size/);
    expect(rejection([1])).toMatch(/JSON object/);
  });
});

describe('readModelConfig', () => {
  it('names the file for a missing, unreadable or invalid config', async () => {
    await expect(readModelConfig(root)).rejects.toThrow(/^No config.json in /);
    await writeFile(join(root, 'config.json'), '{"hidden_size": 4,');
    await expect(readModelConfig(root)).rejects.toThrow(/config.json is not valid JSON/);
    await writeFile(join(root, 'config.json'), JSON.stringify(base));
    expect((await readModelConfig(root)).layers).toBe(3);
  });
});
