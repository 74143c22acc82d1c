import { physicalSignal, readWfdbRecord } from '../src-main/core/data/wfdb/record.js';
import { resourcePath } from '../src-main/core/util/resources.js';
import { RecordViewer } from '../src-main/core/viewer/record-viewer.js';

const FRAME_MS = 1000 / 60;

/**
 * Scrolling through a 30-minute record (MIT-BIH 100, both leads) as the UI does: building the viewer once, then
 * 10-s strips of 1,000 points stepped by 1 s over the whole record, and the whole-record overview. The ratio to
 * one 60 Hz frame says whether a strip fits between two repaints.
 */
export function benchRecordViewer() {
  const record = readWfdbRecord(resourcePath('mitdb', '100'));
  const recording = {
    record: '100',
    fs: record.header.fs,
    leads: record.header.signals.map((s, k) => ({
      name: s.name,
      units: s.units,
      signal: physicalSignal(record, k),
    })),
    annotations: [],
  };
  const t0 = performance.now();
  const viewer = new RecordViewer(recording);
  const openMs = performance.now() - t0;
  const times: number[] = [];
  const seconds = viewer.samples / recording.fs;
  for (let start = 0; start + 10 < seconds; start += 1) {
    const t = performance.now();
    viewer.strip({ start, duration: 10, points: 1000 });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] as number;
  const t1 = performance.now();
  viewer.strip({ start: 0, duration: seconds, points: 2000 });
  const overviewMs = performance.now() - t1;
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    record: 'mitdb/100',
    seconds: round(seconds),
    open_ms: round(openMs),
    strips: times.length,
    strip_10s_median_ms: round(median),
    overview_ms: round(overviewMs),
    strip_to_frame_ratio: round(median / FRAME_MS),
  };
}
