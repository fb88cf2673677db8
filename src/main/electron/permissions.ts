/**
 * Web permissions for the app's window. The wizard needs none of the powerful ones (camera,
 * microphone, location, notifications, devices, clipboard reading, ...); the one it uses is writing
 * text to the clipboard ("Copy path"), and only from its own page. Everything else is denied, both
 * when a page asks (request handler) and when Chromium checks quietly (check handler).
 */
export const USED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

export function permissionAllowed(permission: string, requestingUrl: string, isAppUrl: (url: string) => boolean): boolean {
  return USED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl);
}
