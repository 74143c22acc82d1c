/**
 * A percent-encoded path segment, decoded, or undefined when the encoding is malformed (`%E0%A4%A`, a lone
 * `%`): a request for such a path is refused as bad, not answered with an internal error.
 */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
