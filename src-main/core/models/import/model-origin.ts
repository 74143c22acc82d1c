/** Where an imported model came from, as the model card and the report show it. */
export interface ModelOrigin {
  /** The file or folder name. */
  fileName: string;
  /** The full path it was read from. */
  path: string;
  /** SHA-256 of the file (of model.json for a TF.js model; every file is listed in `files`). */
  sha256: string;
  bytes: number;
  files?: { name: string; bytes: number; sha256: string }[];
  framework: string;
  frameworkVersion: string | null;
  format: string;
  /**
   * For an ONNX file: its opset, producer, and the conversion's check against ONNX Runtime at import; or, for a
   * graph that could not be converted, why (runtimeOnly): ONNX Runtime then runs it and maxAbsDifference is null.
   */
  onnx?: {
    opset: number;
    producer: string;
    fileLayout: string;
    fileInputShape: number[];
    maxAbsDifference: number | null;
    checkedWith: string;
    runtimeOnly?: { operator: string; reason: string };
    /**
     * The file itself is kept in the artifact store under `sha256` (a converted graph): validation can then run
     * the forward-only suites on it in ONNX Runtime where that is faster (core/validate/forward-runtime.ts).
     */
    fileKept?: boolean;
  };
}
