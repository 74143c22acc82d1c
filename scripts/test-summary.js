// A reporter for `node --test` beside the usual one: it names every skipped test with its reason (a reference
// tool or the shared data missing on this machine), so a check that did not run is seen, and closes with one
// plain line of counts.
export default async function* testSummary(source) {
  let passed = 0;
  let failed = 0;
  const skipped = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const data = event.data;
    if (data.details?.type === 'suite') continue;
    if (event.type === 'test:fail') failed++;
    else if (data.skip !== undefined && data.skip !== false) {
      const reason = typeof data.skip === 'string' ? data.skip : 'skipped';
      const file = data.file === undefined ? '' : `${data.file.replace(/^.*\/dist\//, '')}: `;
      skipped.push(`${file}${data.name} (${reason})`);
    } else if (data.todo === undefined || data.todo === false) passed++;
  }
  if (skipped.length > 0) {
    yield `\nSkipped tests (${skipped.length}), each a check that did not run here:\n`;
    for (const line of skipped) yield `  - ${line}\n`;
  }
  yield `\ntests: ${passed} passed, ${failed} failed, ${skipped.length} skipped\n`;
}
