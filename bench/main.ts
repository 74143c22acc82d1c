import { runBench } from './run.js';

const args = process.argv.slice(2);
const result = await runBench(args);
process.stdout.write(`${JSON.stringify(result, null, args.includes('--json') ? 0 : 2)}\n`);
