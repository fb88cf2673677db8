/** The fields the app knows how to inject: source code, mathematics and law. */
export const domains = ['code', 'math', 'legal'] as const;
export type Domain = (typeof domains)[number];
