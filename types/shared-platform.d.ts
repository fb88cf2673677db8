/**
 * The few platform types src/shared relies on that both the browser (DOM) and Node provide.
 * Only tsconfig.shared.json includes this file: it checks that shared code uses nothing else.
 */
interface AbortSignal {
  readonly aborted: boolean;
}
