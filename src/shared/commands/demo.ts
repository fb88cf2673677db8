/** `slayer demo`: its options, declared once (src/shared/command-schema.ts). */
import { z } from 'zod';
import { flag } from '../command-schema.js';
import { domains } from '../domains.js';
import { path } from './common.js';

export const demoSchema = z.object({
  domain: flag(z.enum(domains).default('code'), {
    flag: 'domain',
    value: domains.join('|'),
    description: 'the demo field: its model, documents and general text',
  }),
  out: flag(path.optional(), {
    flag: 'out',
    value: 'DIR',
    description: 'the demo project folder; running again reuses every finished stage',
    defaultText: './slayer-demo-<domain>',
  }),
  projectOnly: flag(z.boolean().default(false), {
    flag: 'project-only',
    description: "only create the demo project in the app's data folder, ready for the Analyze step or slayer run",
  }),
});
