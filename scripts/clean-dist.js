// Removes compiled output so that a renamed or deleted source file leaves no stale test or module behind.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
