/**
 * The standard WFDB annotation codes (ecgcodes.h) and their mnemonic symbols. Codes 15, 17 and 42-49 are
 * free for a file to define in its definitions block; code 0 (NOTQRS) marks "not an annotation".
 */
const STANDARD_SYMBOLS: readonly string[] = [
  ' ', // 0 NOTQRS
  'N', // 1 NORMAL
  'L', // 2 LBBB
  'R', // 3 RBBB
  'a', // 4 ABERR
  'V', // 5 PVC
  'F', // 6 FUSION
  'J', // 7 NPC
  'A', // 8 APC
  'S', // 9 SVPB
  'E', // 10 VESC
  'j', // 11 NESC
  '/', // 12 PACE
  'Q', // 13 UNKNOWN
  '~', // 14 NOISE
  '', // 15 (free)
  '|', // 16 ARFCT
  '', // 17 (free)
  's', // 18 STCH
  'T', // 19 TCH
  '*', // 20 SYSTOLE
  'D', // 21 DIASTOLE
  '"', // 22 NOTE
  '=', // 23 MEASURE
  'p', // 24 PWAVE
  'B', // 25 BBB
  '^', // 26 PACESP
  't', // 27 TWAVE
  '+', // 28 RHYTHM
  'u', // 29 UWAVE
  '?', // 30 LEARN
  '!', // 31 FLWAV
  '[', // 32 VFON
  ']', // 33 VFOFF
  'e', // 34 AESC
  'n', // 35 SVESC
  '@', // 36 LINK
  'x', // 37 NAPC
  'f', // 38 PFUS
  '(', // 39 WFON
  ')', // 40 WFOFF
  'r', // 41 RONT
];

export const NOTE_CODE = 22;
/** The highest code an annotation word can carry; 59-63 are the SKIP, NUM, SUB, CHN and AUX pseudo-codes. */
export const MAX_ANNOTATION_CODE = 49;

/** The symbol of a code: the file's own definition first, then the standard table, else "[code]". */
export function symbolForCode(code: number, defined: ReadonlyMap<number, string>): string {
  const custom = defined.get(code);
  if (custom !== undefined) return custom;
  const standard = STANDARD_SYMBOLS[code];
  return standard !== undefined && standard !== '' ? standard : `[${code}]`;
}
