/**
 * Magic-byte sniffing of video containers: what the bytes are, whatever the client declared.
 * Recognised: ISO-BMFF (MP4/MOV/M4V/3GP: an `ftyp` box, or a bare QuickTime `moov`/`mdat`/`wide`/
 * `free`/`skip` atom), EBML (Matroska/WebM), RIFF AVI, and MPEG transport streams (188-byte packets,
 * or 192-byte M2TS packets), each checked on the first bytes only.
 */

export type ContainerFamily = 'isobmff' | 'ebml' | 'avi' | 'mpegts';

export interface SniffedContainer {
  family: ContainerFamily;
  /** The most specific content type the bytes justify. */
  contentType: string;
  /** Human label for messages. */
  label: string;
}

/** How many leading bytes `sniffVideoContainer` wants (fewer work for short files). */
export const SNIFF_BYTES = 4096;

/** Declared upload types we accept, and the container family each must turn out to be. */
export const ALLOWED_VIDEO_TYPES: Record<string, ContainerFamily> = {
  'video/mp4': 'isobmff',
  'video/quicktime': 'isobmff',
  'video/x-m4v': 'isobmff',
  'video/3gpp': 'isobmff',
  'video/webm': 'ebml',
  'video/x-matroska': 'ebml',
  'video/x-msvideo': 'avi',
  'video/avi': 'avi',
  'video/mp2t': 'mpegts',
};
export const allowedVideoTypeList = Object.keys(ALLOWED_VIDEO_TYPES) as [string, ...string[]];

/** The bytes at `start` read as ASCII (magic numbers, box types). */
export const ascii = (bytes: Uint8Array, start: number, length: number) =>
  String.fromCharCode(...bytes.subarray(start, start + length));

function sniffIsoBmff(b: Uint8Array): SniffedContainer | null {
  if (b.length < 12) return null;
  const size = ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
  const type = ascii(b, 4, 4);
  if (type === 'ftyp') {
    if (size < 8 || size > 4096) return null;
    const brand = ascii(b, 8, 4);
    if (brand === 'qt  ') return { family: 'isobmff', contentType: 'video/quicktime', label: 'QuickTime (MOV)' };
    if (brand.startsWith('3g')) return { family: 'isobmff', contentType: 'video/3gpp', label: '3GP' };
    if (brand === 'M4V ' || brand === 'M4VH' || brand === 'M4VP')
      return { family: 'isobmff', contentType: 'video/x-m4v', label: 'M4V' };
    return { family: 'isobmff', contentType: 'video/mp4', label: 'MP4' };
  }
  // Old QuickTime files start straight with an atom; a size of 0/1 means "to end"/"64-bit size".
  if (['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].includes(type) && (size >= 8 || size === 0 || size === 1)) {
    return { family: 'isobmff', contentType: 'video/quicktime', label: 'QuickTime (MOV)' };
  }
  return null;
}

function sniffEbml(b: Uint8Array): SniffedContainer | null {
  if (b.length < 4 || b[0] !== 0x1a || b[1] !== 0x45 || b[2] !== 0xdf || b[3] !== 0xa3) return null;
  // The DocType element (0x42 0x82) sits in the EBML header, within the first few dozen bytes.
  const header = ascii(b, 0, Math.min(b.length, 64));
  if (header.includes('webm')) return { family: 'ebml', contentType: 'video/webm', label: 'WebM' };
  return { family: 'ebml', contentType: 'video/x-matroska', label: 'Matroska' };
}

function sniffAvi(b: Uint8Array): SniffedContainer | null {
  if (b.length < 12 || ascii(b, 0, 4) !== 'RIFF' || ascii(b, 8, 4) !== 'AVI ') return null;
  return { family: 'avi', contentType: 'video/x-msvideo', label: 'AVI' };
}

function sniffMpegTs(b: Uint8Array): SniffedContainer | null {
  const syncAt = (offset: number, stride: number) => {
    let packets = 0;
    for (let i = offset; i < b.length && packets < 4; i += stride, packets++) if (b[i] !== 0x47) return false;
    // A single packet is too weak a signal unless it is the whole file.
    return packets >= Math.min(3, Math.ceil((b.length - offset) / stride));
  };
  if (b.length >= 188 && syncAt(0, 188)) return { family: 'mpegts', contentType: 'video/mp2t', label: 'MPEG-TS' };
  if (b.length >= 192 && syncAt(4, 192))
    return { family: 'mpegts', contentType: 'video/mp2t', label: 'MPEG-TS (M2TS)' };
  return null;
}

/** The container the leading bytes belong to, or null when they are not a video we accept. */
export function sniffVideoContainer(bytes: Uint8Array): SniffedContainer | null {
  return sniffIsoBmff(bytes) ?? sniffEbml(bytes) ?? sniffAvi(bytes) ?? sniffMpegTs(bytes);
}

export type SniffVerdict = { ok: true; container: SniffedContainer } | { ok: false; message: string };

/** Checks the bytes against the declared type's family (a MOV declared as video/mp4 is fine). */
export function checkDeclaredVideo(bytes: Uint8Array, declaredType: string | null): SniffVerdict {
  const container = sniffVideoContainer(bytes);
  if (!container) {
    return {
      ok: false,
      message:
        'The uploaded file is not a video: its first bytes match no supported container (MP4/MOV, WebM/Matroska, AVI, MPEG-TS)',
    };
  }
  const expected = declaredType ? ALLOWED_VIDEO_TYPES[declaredType] : undefined;
  if (declaredType && expected && expected !== container.family) {
    return { ok: false, message: `The file was declared as ${declaredType} but its content is ${container.label}` };
  }
  return { ok: true, container };
}
