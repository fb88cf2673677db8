/** Execution providers: what a job may ask for and what it ran on. */

export type ProviderName = 'cpu' | 'webgpu' | 'cuda';
/** 'auto': the fastest provider that answers and fits the job, else CPU. */
export type ProviderChoice = ProviderName | 'auto';
