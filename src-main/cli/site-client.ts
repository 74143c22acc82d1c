import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AttestError, badInput } from '../core/errors.js';

/**
 * A small client for a site's HTTP actions (`attest site serve`): POST /api/call/ACTION with a JSON payload, the
 * session in `X-Attest-Session`, the site's certificate pinned as the only trusted CA when one is given. A 401 or
 * 403 becomes a sentence naming the site and the action (exit 2), like any refused input.
 */
export class SiteClient {
  private session: string | undefined;

  constructor(
    private readonly site: URL,
    private readonly ca: Buffer | undefined,
  ) {}

  async signIn(name: string, password: string): Promise<void> {
    const value = (await this.call('session.signIn', { name, password })) as { token: string };
    this.session = value.token;
  }

  async signOut(): Promise<void> {
    if (this.session === undefined) return;
    await this.call('session.signOut', {}).catch(() => undefined);
    this.session = undefined;
  }

  async call(action: string, payload: unknown): Promise<unknown> {
    const { status, text } = await this.post(action, payload);
    let body: { ok?: boolean; value?: unknown; error?: { code?: string; message?: string } } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    const message = body?.error?.message ?? text.trim();
    if (status === 401)
      throw badInput(
        action === 'session.signIn'
          ? `${this.site.origin} refused the sign-in: ${message}`
          : `${this.site.origin} needs a signed-in user for ${action} (give --user NAME): ${message}`,
      );
    if (status === 403)
      throw badInput(`${this.site.origin} refused ${action} for this user's role: ${message}`);
    if (body === undefined || typeof body.ok !== 'boolean')
      throw new AttestError(
        'INTERNAL',
        `${this.site.origin} answered ${action} with HTTP ${status}: ${message}`,
      );
    if (!body.ok) {
      const code = body.error?.code;
      throw new AttestError(
        code === 'NOT_FOUND' || code === 'BAD_INPUT' ? code : 'BAD_INPUT',
        `${this.site.origin}: ${message}`,
      );
    }
    return body.value;
  }

  private post(action: string, payload: unknown): Promise<{ status: number; text: string }> {
    const body = JSON.stringify(payload);
    const secure = this.site.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        new URL(`/api/call/${action}`, this.site),
        {
          method: 'POST',
          ...(secure && this.ca !== undefined ? { ca: this.ca } : {}),
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            ...(this.session !== undefined ? { 'X-Attest-Session': this.session } : {}),
          },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
          response.on('error', reject);
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          badInput(
            `cannot reach the site ${this.site.origin}: ${error.message}` +
              (/certificate|self.signed|CERT/i.test(`${error.code ?? ''} ${error.message}`)
                ? ' (give the site certificate with --site-ca FILE)'
                : ''),
          ),
        ),
      );
      req.end(body);
    });
  }
}
