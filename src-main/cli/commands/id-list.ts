/** "m-1, m-2,,m-3" -> ["m-1", "m-2", "m-3"]: the comma-separated ids of --model A,B. */
export function idList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
