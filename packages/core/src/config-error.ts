/** A configuration problem an operator can fix; the message names the variable (exit 78 at start). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
