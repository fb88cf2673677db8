import { describe, expect, it } from 'vitest';
import { permissionAllowed } from '../../../src/main/electron/permissions.js';

describe("the desktop window's web permissions", () => {
  const app = 'file:///opt/slayer/resources/app/out/renderer/';
  const isAppUrl = (url: string) => url.startsWith(app);

  it('grants clipboard writing to the app page only', () => {
    expect(permissionAllowed('clipboard-sanitized-write', `${app}index.html`, isAppUrl)).toBe(true);
    expect(permissionAllowed('clipboard-sanitized-write', 'https://example.com/', isAppUrl)).toBe(false);
    expect(permissionAllowed('clipboard-sanitized-write', '', isAppUrl)).toBe(false);
  });

  it('denies every permission the app does not use, even to its own page', () => {
    for (const permission of [
      'clipboard-read',
      'media',
      'geolocation',
      'notifications',
      'openExternal',
      'hid',
      'usb',
      'serial',
      'fullscreen',
      'fileSystem',
      'unknown',
    ]) {
      expect(permissionAllowed(permission, `${app}index.html`, isAppUrl), permission).toBe(false);
    }
  });
});
