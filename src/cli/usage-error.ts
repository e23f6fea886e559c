/**
 * A mistake in how the command was called (a flag, an argument, or a prop the construct refuses):
 * `kubejobs` exits 2 for it, as for the errors commander reports itself, and 1 for everything else.
 */
export class UsageError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
