import type { SignatureView, UserView } from '../../../../src-main/contract/index.js';
import type { ApiClient } from '../api/client.js';

/**
 * Who is signed in. Once an installation has user accounts, every change needs a signed-in user (the audit
 * trail names them); signing a record asks for the password again.
 */
export class SessionManager {
  usersExist = $state(false);
  user = $state<UserView | null>(null);
  signatures = $state<SignatureView[]>([]);
  dialogOpen = $state(false);
  /** The first-run dialog: the first administrator of a fresh installation. */
  setupOpen = $state(false);

  constructor(private readonly api: ApiClient) {}

  get canChange(): boolean {
    return !this.usersExist || this.user !== null;
  }

  get canSign(): boolean {
    return this.user !== null && this.user.role !== 'operator';
  }

  get isAdministrator(): boolean {
    return this.user?.role === 'administrator';
  }

  /**
   * A fresh installation's first account, an administrator (audited under this computer's user, as the CLI
   * does), then signed in with the same password: the person who set it up can sign right away.
   */
  async setUpFirstAdministrator(input: {
    name: string;
    printedName: string;
    password: string;
  }): Promise<string | null> {
    const added = await this.api.call('users.add', { ...input, role: 'administrator' });
    if (!added.ok) return added.error.message;
    this.usersExist = true;
    const error = await this.signIn(input.name, input.password);
    if (error === null) this.setupOpen = false;
    return error;
  }

  async refresh(): Promise<void> {
    const status = await this.api.call('session.status', {});
    if (!status.ok) return;
    this.usersExist = status.value.usersExist;
    this.user = status.value.user;
    if (this.user === null) this.api.setSession(undefined);
    await this.refreshSignatures();
  }

  async refreshSignatures(): Promise<void> {
    const list = await this.api.call('signatures.list', {});
    if (list.ok) this.signatures = list.value.signatures;
  }

  async signIn(name: string, password: string): Promise<string | null> {
    const result = await this.api.call('session.signIn', { name, password });
    if (!result.ok) return result.error.message;
    this.api.setSession(result.value.token);
    this.user = result.value.user;
    this.dialogOpen = false;
    return null;
  }

  async signOut(): Promise<void> {
    await this.api.call('session.signOut', {});
    this.api.setSession(undefined);
    this.user = null;
  }

  async sign(input: {
    entityType: 'validation' | 'model';
    entityId: string;
    meaning: 'reviewed' | 'approved' | 'rejected';
    password: string;
    reason?: string;
  }): Promise<string | null> {
    const result = await this.api.call('records.sign', input);
    if (!result.ok) return result.error.message;
    await this.refreshSignatures();
    return null;
  }

  of(entityId: string): SignatureView[] {
    return this.signatures.filter((s) => s.entityId === entityId);
  }
}
