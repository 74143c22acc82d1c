/**
 * Node options for a worker thread started from a file: the process's own, less --input-type, which a script
 * given with -e carries and which stops such a thread before it runs a line.
 */
export function threadExecArgv(): string[] {
  return process.execArgv.filter((option) => !option.startsWith('--input-type'));
}
