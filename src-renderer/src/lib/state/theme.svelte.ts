/** Light or dark, following the system until the user chooses; the choice is kept in this browser only. */
class ThemeManager {
  mode = $state<'light' | 'dark'>('light');

  constructor() {
    const saved = globalThis.localStorage?.getItem('attest-theme');
    const prefersDark = globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
    this.mode = saved === 'dark' || saved === 'light' ? saved : prefersDark ? 'dark' : 'light';
    this.apply();
  }

  toggle(): void {
    this.mode = this.mode === 'dark' ? 'light' : 'dark';
    globalThis.localStorage?.setItem('attest-theme', this.mode);
    this.apply();
  }

  private apply(): void {
    document.documentElement.dataset['theme'] = this.mode;
  }
}

export const theme = new ThemeManager();
