/**
 * An error whose message is meant for the person using the product: one plain-language line
 * that says what is wrong and what to do. Anything else that escapes is a bug, and callers
 * (CLI, IPC, compute process) show it with a "this is a bug" prefix instead.
 */
export class UserError extends Error {
  readonly isUserError = true;
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export function isUserError(e: unknown): e is UserError {
  return typeof e === 'object' && e !== null && (e as { isUserError?: unknown }).isUserError === true;
}

/** One line for a person: the UserError text, or an honest "unexpected" line for anything else. */
export function describeError(e: unknown): string {
  if (isUserError(e)) return e.message;
  const msg = e instanceof Error ? e.message : String(e);
  return `Unexpected internal error: ${msg.split('\n')[0]} (run again with --debug for details, and please report it).`;
}
