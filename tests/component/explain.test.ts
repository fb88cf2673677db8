/**
 * "What this means for you" lines and the Glossary: the words come from src/shared/glossary.ts,
 * and results that went the wrong way say what to try next. Expected lines are written by hand.
 */
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import Explain from '../../src/renderer/src/components/Explain.vue';
import GlossaryDialog from '../../src/renderer/src/components/GlossaryDialog.vue';
import { corpusSizeMeaning, GLOSSARY, perplexityMeaning, trainableShareMeaning } from '../../src/shared/glossary';

describe('Explain', () => {
  it("shows the glossary's line, and what the number is one click away", async () => {
    const w = mount(Explain, { props: { term: 'blockInfluence' } });
    expect(w.text()).toContain(`What this means for you: ${GLOSSARY.blockInfluence.forYou}`);
    expect(w.get('summary').text()).toBe('What is block influence?');
    expect(w.get('details p').text()).toBe(GLOSSARY.blockInfluence.what);
  });

  it("shows a result's own line, marked when the result is bad", () => {
    const w = mount(Explain, { props: { term: 'perplexity', text: 'Worse.', bad: true } });
    expect(w.get('p').text()).toBe('What this means for you: Worse.');
    expect(w.classes()).toContain('bad');
  });
});

describe('result lines', () => {
  it('domain perplexity: better says so; worse says what to try next', () => {
    // 200 -> 150: 25.0 % lower.
    expect(perplexityMeaning('domain', 200, 150, 0.05)).toBe(
      'The model now predicts text of your field better (perplexity 25.0 % lower): it has learned from your documents.',
    );
    // 200 -> 210: 5.0 % higher.
    expect(perplexityMeaning('domain', 200, 210, 0.05)).toBe(
      'Your field got worse or did not improve (perplexity 5.0 % higher). Try next: train more steps, add more documents, or raise the learning rate a little.',
    );
  });

  it('general perplexity: within the limit holds; past it is forgetting with what to try', () => {
    // 100 -> 103: +3.0 %, limit 5 %.
    expect(perplexityMeaning('general', 100, 103, 0.05)).toBe(
      'General ability held (perplexity +3.0 %, within your limit of 5.0 %): the model has not forgotten what it knew.',
    );
    // 100 -> 112: 12.0 % past a 5 % limit.
    expect(perplexityMeaning('general', 100, 112, 0.05)).toMatch(/^General ability got worse by 12\.0 %, past your limit of 5\.0 %.*Try next: fewer steps/);
  });

  it('trainable share and corpus size', () => {
    expect(trainableShareMeaning(0.125)).toBe('Only 12.5 % of the model will learn; the rest stays exactly as it was, which protects what it already knows.');
    expect(trainableShareMeaning(1)).toMatch(/^100\.0 % of the model will learn: most of it/);
    expect(corpusSizeMeaning(52_000)).toMatch(/^52,000 tokens is too small to teach the model a field.*Try next: add more documents/);
    expect(corpusSizeMeaning(3_000_000)).toMatch(/^3,000,000 tokens is enough/);
  });
});

describe('Glossary dialog', () => {
  it('lists every term with what it is and what it means for you', () => {
    const w = mount(GlossaryDialog);
    expect(w.findAll('dt').map((d) => d.text())).toEqual([
      'Perplexity',
      'Angular distance',
      'Block Influence',
      'Trainable share',
      'Forgetting',
      'Question accuracy',
      'Tokens in your documents',
    ]);
    expect(w.text()).toContain(GLOSSARY.forgetting.forYou);
  });
});
