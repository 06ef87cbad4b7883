/**
 * Which endpoint URLs we send to. https always. Plain http only to this machine's loopback
 * (127.0.0.0/8, ::1, localhost: the payload never crosses a network, which is what the quick
 * start and the sandbox need), or anywhere when WEBHOOK_ALLOW_HTTP=true (a docker compose set-up
 * whose receiver is another container). The signature protects integrity, not confidentiality:
 * over http anyone on the path reads the payload, candidate names included when they are on.
 *
 * Endpoint URLs may carry the receiver's own token (Slack-style `/T000/B000/xxxx` paths, `?key=`),
 * so errors and logs name the endpoint and at most the URL's origin, never the full URL.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** What is wrong with sending to this URL, or undefined when it is allowed. */
export function endpointUrlProblem(url: string, allowHttp: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  if (parsed.username || parsed.password) return 'must not carry credentials (user:password@); the signature authenticates us';
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol !== 'http:') return `must be https (got ${parsed.protocol})`;
  if (isLoopbackHost(parsed.hostname) || allowHttp) return undefined;
  return `must be https: plain http is allowed only to loopback (127.0.0.1, ::1, localhost) unless WEBHOOK_ALLOW_HTTP=true (development only)`;
}

/** The URL's origin, the most of it we ever log. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}
