import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The common shape of the Cornerstone WebAssembly decoders (OpenJPEG, CharLS, libjpeg-turbo). */
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned?: boolean;
  };
  getDecodedBuffer(): Uint8Array;
  delete(): void;
}

type WasmModule = Record<string, new () => WasmDecoder>;
type Factory = (options: {
  print: (s: string) => void;
  printErr: (s: string) => void;
}) => Promise<WasmModule>;

export type WasmCodecName = 'openjpeg' | 'charls' | 'libjpeg-turbo';

const MODULES: Record<WasmCodecName, { path: string; decoder: string }> = {
  openjpeg: { path: '@cornerstonejs/codec-openjpeg/decodewasmjs', decoder: 'J2KDecoder' },
  charls: { path: '@cornerstonejs/codec-charls/decodewasmjs', decoder: 'JpegLSDecoder' },
  'libjpeg-turbo': { path: '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', decoder: 'JPEGDecoder' },
};

const loaded = new Map<WasmCodecName, Promise<WasmModule>>();

/** Loads a codec once per process; its console chatter is dropped (stdout must stay one JSON object). */
function moduleOf(name: WasmCodecName): Promise<WasmModule> {
  let promise = loaded.get(name);
  if (promise === undefined) {
    const factory = require(MODULES[name].path) as Factory;
    promise = factory({ print: () => {}, printErr: () => {} });
    loaded.set(name, promise);
  }
  return promise;
}

export interface DecodedFrame {
  width: number;
  height: number;
  bitsPerSample: number;
  components: number;
  signed: boolean | undefined;
  /** Decoded samples as bytes (little-endian 16-bit words when bitsPerSample > 8), copied out of wasm memory. */
  bytes: Uint8Array;
}

/** Decodes one compressed frame with a WebAssembly codec; the decoder's memory is always released. */
export async function decodeWithWasm(name: WasmCodecName, encoded: Uint8Array): Promise<DecodedFrame> {
  const module = await moduleOf(name);
  const Decoder = module[MODULES[name].decoder];
  if (Decoder === undefined) throw new Error(`${name} codec has no ${MODULES[name].decoder}`);
  const decoder = new Decoder();
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    return {
      width: info.width,
      height: info.height,
      bitsPerSample: info.bitsPerSample,
      components: info.componentCount,
      signed: info.isSigned,
      bytes: Uint8Array.from(decoder.getDecodedBuffer()),
    };
  } finally {
    decoder.delete();
  }
}
