/** The wizard's seven steps, in order, with the plain-words line each one shows. */
export const steps = [
  { id: 'model', title: 'Model', summary: 'Choose the open model you want to teach.' },
  { id: 'corpus', title: 'Corpus', summary: 'Bring the documents of your field: code, math or legal.' },
  { id: 'analyze', title: 'Analyze', summary: 'Measure how much each layer of the model matters.' },
  { id: 'plan', title: 'Plan', summary: 'Decide where new layers go and which deep layers to remove.' },
  { id: 'inject', title: 'Inject', summary: 'Train only the new layers on your documents.' },
  { id: 'evaluate', title: 'Evaluate', summary: 'Compare before and after, and check nothing general was forgotten.' },
  { id: 'export', title: 'Export', summary: 'Save the improved model for other tools.' },
] as const;

export type StepId = (typeof steps)[number]['id'];
