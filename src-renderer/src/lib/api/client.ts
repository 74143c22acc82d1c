import {
  ACTIONS,
  engineEventSchema,
  type ActionName,
  type ActionRequest,
  type ActionResponse,
  type EngineEvent,
  type Result,
} from '../../../../src-main/contract/index.js';
import { chooseTransport, type Transport } from './transport.js';

/**
 * The typed API of the engine. Answers are parsed against the contract, so that a change on one side that the
 * other does not know shows up as a clear error instead of a chart of undefined values.
 */
export class ApiClient {
  /** The sign-in session: in memory only, so closing the window signs out. */
  private session: string | undefined;

  constructor(private readonly transport: Transport = chooseTransport()) {}

  setSession(token: string | undefined): void {
    this.session = token;
  }

  async call<A extends ActionName>(action: A, payload: ActionRequest<A>): Promise<Result<ActionResponse<A>>> {
    const result = await this.transport.call(action, payload, this.session);
    if (!result.ok) return result;
    const parsed = ACTIONS[action].response.safeParse(result.value);
    if (!parsed.success)
      return {
        ok: false,
        error: { code: 'INTERNAL', message: `unexpected answer to ${action}: ${parsed.error.message}` },
      };
    return { ok: true, value: parsed.data as ActionResponse<A> };
  }

  onEvent(listener: (event: EngineEvent) => void, onReconnect: () => void): () => void {
    return this.transport.subscribe((raw) => {
      const parsed = engineEventSchema.safeParse(raw);
      if (parsed.success) listener(parsed.data);
    }, onReconnect);
  }

  exportUrl(name: string): string {
    return this.transport.exportUrl(name);
  }
}
