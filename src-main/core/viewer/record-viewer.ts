import { badInput } from '../errors.js';
import { MinMaxPyramid } from './min-max-pyramid.js';
import type { Recording } from './recording-source.js';

/** One beat's prediction by a model, placed at its R peak (sample at the recording's rate). */
export interface BeatPrediction {
  sample: number;
  truth: string;
  predicted: string;
  /** The model's probability for the predicted class. */
  confidence: number;
}

export interface StripRequest {
  /** Seconds from the start of the record. */
  start: number;
  /** Seconds shown. */
  duration: number;
  /** Columns of the plot: at most this many points per lead. */
  points?: number;
}

/** What a strip plot needs; numbers are plain arrays (JSON), gaps are null. */
export interface EcgStrip {
  record: string;
  fs: number;
  start: number;
  duration: number;
  totalSeconds: number;
  /** Samples per point: 1 means the raw samples (`values`), more means min/max envelopes. */
  samplesPerPoint: number;
  /** Time of each point, seconds from the start of the record. */
  times: number[];
  leads: {
    name: string;
    units: string;
    values?: (number | null)[];
    min?: (number | null)[];
    max?: (number | null)[];
  }[];
  annotations: { time: number; symbol: string; aami: string | null; aux?: string }[];
  predictions?: (Omit<BeatPrediction, 'sample'> & { time: number; correct: boolean })[];
}

const MAX_POINTS = 20_000;
const toJson = (values: Float32Array): (number | null)[] =>
  Array.from(values, (v) => (Number.isNaN(v) ? null : Math.round(v * 1e4) / 1e4));

/**
 * Serves strips of one recording for scrolling and zooming: the min/max pyramids are built once when the viewer
 * opens (linear in the record's length), and each strip then costs about its number of points, so a UI can
 * scroll through a 30-minute record at the pace of the mouse wheel.
 */
export class RecordViewer {
  private readonly pyramids: MinMaxPyramid[];
  private predictions: BeatPrediction[] | undefined;

  constructor(readonly recording: Recording) {
    this.pyramids = recording.leads.map((lead) => new MinMaxPyramid(lead.signal));
  }

  get samples(): number {
    return this.recording.leads[0]?.signal.length ?? 0;
  }

  /** Attaches a model's beat predictions (see predictRecordBeats); later strips show them. */
  setPredictions(predictions: BeatPrediction[] | undefined): void {
    this.predictions =
      predictions === undefined ? undefined : [...predictions].sort((a, b) => a.sample - b.sample);
  }

  strip(request: StripRequest): EcgStrip {
    const { fs, record } = this.recording;
    const totalSeconds = this.samples / fs;
    const points = request.points ?? 1000;
    if (!Number.isInteger(points) || points < 10 || points > MAX_POINTS)
      throw badInput(`points must be an integer from 10 to ${MAX_POINTS}, got ${points}`);
    if (!(request.start >= 0) || request.start >= totalSeconds)
      throw badInput(
        `start must be from 0 to ${totalSeconds.toFixed(3)} s (the record's length), got ${request.start}`,
      );
    if (!(request.duration > 0))
      throw badInput(`duration must be a positive number of seconds, got ${request.duration}`);
    const from = Math.floor(request.start * fs);
    const to = Math.min(this.samples, Math.ceil((request.start + request.duration) * fs));
    const span = to - from;
    const raw = span <= points;
    const columns = raw ? span : points;
    const step = span / columns;
    const times = Array.from({ length: columns }, (_, p) => Math.round(((from + p * step) / fs) * 1e6) / 1e6);
    const leads = this.recording.leads.map((lead, k) => {
      if (raw) return { name: lead.name, units: lead.units, values: toJson(lead.signal.subarray(from, to)) };
      const { min, max } = (this.pyramids[k] as MinMaxPyramid).envelope(from, to, columns);
      return { name: lead.name, units: lead.units, min: toJson(min), max: toJson(max) };
    });
    const inside = (sample: number) => sample >= from && sample < to;
    const strip: EcgStrip = {
      record,
      fs,
      start: from / fs,
      duration: span / fs,
      totalSeconds,
      samplesPerPoint: raw ? 1 : step,
      times,
      leads,
      annotations: this.recording.annotations
        .filter((a) => inside(a.sample))
        .map((a) => ({
          time: a.sample / fs,
          symbol: a.symbol,
          aami: a.aami,
          ...(a.aux !== undefined ? { aux: a.aux } : {}),
        })),
    };
    if (this.predictions !== undefined)
      strip.predictions = this.predictions
        .filter((p) => inside(p.sample))
        .map((p) => ({
          time: p.sample / fs,
          truth: p.truth,
          predicted: p.predicted,
          confidence: Math.round(p.confidence * 1e4) / 1e4,
          correct: p.truth === p.predicted,
        }));
    return strip;
  }
}
