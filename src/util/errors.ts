/**
 * An error caused by what the user gave us (a flag, a file, a target, a config key).
 * The CLI prints it as one line, `mcpward: <where>: <message>`, and exits 2.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    /** Where the bad input came from: a flag, `file:line`, a config key. */
    readonly where?: string,
  ) {
    super(message);
  }

  oneLine(): string {
    const msg = this.message.replace(/\s*\n\s*/g, ' ');
    return this.where ? `${this.where}: ${msg}` : msg;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof UserError) return err.oneLine();
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
