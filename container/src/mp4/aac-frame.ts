/**
 * Just enough of AAC to splice two streams frame by frame: the AudioSpecificConfig essentials (so
 * both streams are the same kind of AAC-LC), and the window of a raw frame's first channel element.
 * Two AAC streams may be joined between frames p and p+1 when the MDCT windows overlapping there
 * agree: the frame before the join and its counterpart in the other stream end with halves of the
 * same kind (long or short) and shape, and the frame after it starts with that kind. The decoder then cancels
 * the time-domain aliasing across the join as within one stream (to within quantisation noise).
 */

export interface AacConfig {
  objectType: number;
  frequencyIndex: number;
  channelConfig: number;
  /** 1 = 960-sample frames. */
  frameLengthFlag: number;
}

export const AAC_LC = 2;
export const ONLY_LONG = 0;
export const LONG_START = 1;
export const LONG_STOP = 3;

export interface AacWindow {
  sequence: number;
  shape: number;
}

class Bits {
  private at = 0;
  private readonly data: Uint8Array;

  constructor(data: Uint8Array) {
    this.data = data;
  }

  read(n: number): number | null {
    let value = 0;
    for (let i = 0; i < n; i++, this.at++) {
      const byte = this.data[this.at >> 3];
      if (byte === undefined) return null;
      value = (value << 1) | ((byte >> (7 - (this.at & 7))) & 1);
    }
    return value;
  }
}

/** The AudioSpecificConfig essentials, or null when it is not plain AAC (escape object types). */
export function readAacConfig(asc: Uint8Array): AacConfig | null {
  const bits = new Bits(asc);
  const objectType = bits.read(5);
  if (objectType === null || objectType === 31) return null;
  const frequencyIndex = bits.read(4);
  if (frequencyIndex === null) return null;
  if (frequencyIndex === 15 && bits.read(24) === null) return null;
  const channelConfig = bits.read(4);
  const frameLengthFlag = bits.read(1);
  if (channelConfig === null || frameLengthFlag === null) return null;
  return { objectType, frequencyIndex, channelConfig, frameLengthFlag };
}

const SCE = 0;
const CPE = 1;

/**
 * Window of the first channel element of a raw AAC frame: a single channel element, or a channel
 * pair sharing one window. null for anything else (fill or data elements first, separate windows).
 */
export function aacFrameWindow(frame: Uint8Array): AacWindow | null {
  const bits = new Bits(frame);
  const element = bits.read(3);
  bits.read(4); // element_instance_tag
  if (element === SCE) {
    bits.read(8); // global_gain
  } else if (element === CPE) {
    if (bits.read(1) !== 1) return null; // common_window
  } else {
    return null;
  }
  bits.read(1); // ics_reserved_bit
  const sequence = bits.read(2);
  const shape = bits.read(1);
  return sequence === null || shape === null ? null : { sequence, shape };
}

/** Whether a window sequence ends (right half) / starts (left half) with a long half, rather than short ones. */
const longRight = (w: AacWindow) => w.sequence === ONLY_LONG || w.sequence === LONG_STOP;
const longLeft = (w: AacWindow) => w.sequence === ONLY_LONG || w.sequence === LONG_START;

/**
 * Whether stream X's frame p may be followed by stream Y's frame p+1: `left` = X's frame p,
 * `leftInY` = Y's own frame p (what Y's encoder assumed before p+1), `right` = Y's frame p+1. The
 * halves overlapping at the join must be of one kind (long or short) in all three, and of one shape
 * in X's and Y's frame p (the decoder windows p+1's left half with X's shape; Y analysed it with its own).
 */
export function canJoin(left: AacWindow | null, leftInY: AacWindow | null, right: AacWindow | null): boolean {
  if (!left || !leftInY || !right) return false;
  return longRight(left) === longRight(leftInY) && longRight(left) === longLeft(right) && left.shape === leftInY.shape;
}
