/** Sizes the app and the report print: binary multiples, with the unit chosen so small files do not read "0.0 MB". */
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../src/shared/units.js';

describe('formatBytes', () => {
  it('bytes, KB, MB, GB in powers of 1024, one decimal under 100', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KB');
    // A hand-off config of 2.5 KB is shown as such, not as 0.0 MB.
    expect(formatBytes(2560)).toBe('2.5 KB');
    expect(formatBytes(1024 * 1024 - 1)).toBe('1024 KB');
    expect(formatBytes(5 * 2 ** 20)).toBe('5.0 MB');
    expect(formatBytes(13.5 * 2 ** 30)).toBe('13.5 GB');
    expect(formatBytes(150 * 2 ** 30)).toBe('150 GB');
  });
});
