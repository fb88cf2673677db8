/** The `slayer export` command line that writes the same export as the Export step (docs/cli.md), from the export schema. */
import type { JobRequestParams } from '../../shared/jobs';
import { exportCommandLine } from '../../shared/commands/export';

export const exportCommand = (p: JobRequestParams<'export'>): string => exportCommandLine(p);
