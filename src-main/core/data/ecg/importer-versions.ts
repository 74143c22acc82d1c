// The importer versions stored with each ECG dataset: the record viewer reads a recording again the way the
// importer of that version read it, so both sides take the version from here.
export const WFDB_IMPORTER_VERSION = 'wfdb-beats/1';
export const EDF_IMPORTER_VERSION = 'edf-beats/1';
export const SYNTHETIC_ECG_IMPORTER_VERSION = 'synthetic-ecg/1';
