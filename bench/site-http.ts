/*
 * The site bench's HTTP client: calls the server's actions as a desk does (the server's token, and the user's
 * sign-in session in x-attest-session) and keeps every request's latency, by action, for the percentiles.
 */

export interface Answer {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
}

export class SiteHttp {
  readonly latencies = new Map<string, number[]>();

  constructor(
    private readonly port: number,
    private readonly token: string,
  ) {}

  async call(action: string, payload: unknown, session?: string): Promise<Answer> {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${this.port}/api/call/${action}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${this.token}`,
        ...(session !== undefined ? { 'x-attest-session': session } : {}),
      },
      body: JSON.stringify(payload),
    });
    const answer = (await response.json()) as Answer;
    const list = this.latencies.get(action) ?? [];
    list.push(performance.now() - started);
    this.latencies.set(action, list);
    return answer;
  }

  async signIn(name: string, password: string): Promise<string> {
    const answer = await this.call('session.signIn', { name, password });
    if (!answer.ok) throw new Error(`${name} could not sign in: ${answer.error?.message ?? '?'}`);
    return (answer.value as { token: string }).token;
  }
}

/** The p-th percentile (nearest rank) of the values, in ms with one decimal; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[rank] ?? 0) * 10) / 10;
}
