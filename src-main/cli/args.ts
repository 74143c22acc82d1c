import { badInput } from '../core/errors.js';

export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string | true>;
}

/**
 * Parses `--name value`, `--name=value` and bare `--flag` (for names listed as boolean). No dependency: the
 * grammar is small and its errors must name the option the user typed.
 */
export function parseArgs(argv: string[], booleanFlags: ReadonlySet<string>): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (eq !== -1) {
      options.set(name, arg.slice(eq + 1));
    } else if (booleanFlags.has(name)) {
      options.set(name, true);
    } else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw badInput(`option --${name} needs a value`);
      options.set(name, value);
      i++;
    }
  }
  return { positionals, options };
}

/** Typed accessors that turn a malformed option into a usage error naming it. */
export class Options {
  private readonly used = new Set<string>();

  constructor(private readonly parsed: ParsedArgs) {}

  get positionals(): string[] {
    return this.parsed.positionals;
  }

  flag(name: string): boolean {
    this.used.add(name);
    return this.parsed.options.get(name) === true;
  }

  string(name: string): string | undefined {
    this.used.add(name);
    const value = this.parsed.options.get(name);
    if (value === true) throw badInput(`option --${name} needs a value`);
    return value;
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw badInput(`option --${name} is required`);
    return value;
  }

  number(name: string, limits: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    const { min = -Infinity, max = Infinity, integer = false } = limits;
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
      const kind = integer ? 'an integer' : 'a number';
      throw badInput(`option --${name} must be ${kind} between ${min} and ${max}, got "${text}"`);
    }
    return value;
  }

  /** Rejects options that no part of the command read, so that a typo is never silently ignored. */
  rejectUnknown(): void {
    for (const name of this.parsed.options.keys()) {
      if (!this.used.has(name)) throw badInput(`unknown option --${name} (see \`attest help\`)`);
    }
  }
}
