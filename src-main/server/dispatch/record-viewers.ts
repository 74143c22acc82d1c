import type { Workspace } from '../../core/store/workspace.js';
import { openRecording } from '../../core/viewer/recording-source.js';
import { RecordViewer } from '../../core/viewer/record-viewer.js';

/**
 * The record viewers of the last few records shown: opening one reads and indexes the whole record, scrolling
 * then costs only the points drawn, so the viewer a user is scrolling through stays open.
 */
export class RecordViewers {
  private readonly open_ = new Map<string, RecordViewer>();

  constructor(
    private readonly workspace: Workspace,
    private readonly keep = 3,
  ) {}

  open(datasetId: string, record: string): RecordViewer {
    const key = `${datasetId}\u0000${record}`;
    let viewer = this.open_.get(key);
    if (viewer === undefined) {
      viewer = new RecordViewer(openRecording(this.workspace, datasetId, record));
      if (this.open_.size >= this.keep) {
        const oldest = this.open_.keys().next().value;
        if (oldest !== undefined) this.open_.delete(oldest);
      }
    } else this.open_.delete(key);
    this.open_.set(key, viewer);
    return viewer;
  }
}
