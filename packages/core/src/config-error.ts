/** A configuration problem an operator can fix; the message names the variable (exit 78 at start). */
export class ConfigError extends Error {
  /** Each problem on its own, every one naming its variable (for a one-line log entry). */
  readonly problems: string[];

  constructor(message: string, problems?: string[]) {
    super(message);
    this.name = 'ConfigError';
    this.problems = problems ?? message.split('\n').map((line) => line.trim()).filter(Boolean);
  }
}
