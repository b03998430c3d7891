/**
 * H.264 parameter sets and NAL units, read just far enough for the smart cut: the sequence parameter
 * set's profile, level, chroma format, bit depth, frame coding, picture size and colour description
 * (ITU-T H.264 7.3.2.1.1 and E.1.1), and whether a coded picture is a reference for others. Anything
 * malformed is `Mp4Unsupported` (the caller asks ffprobe instead).
 */
import { BitReader, rbsp, readVideoSignal } from './bits.ts';
import { unsupported } from './unsupported.ts';

export interface H264Sps {
  profileIdc: number;
  /** constraint_set0_flag … constraint_set5_flag as bits 7 … 2 of the byte after profile_idc. */
  constraintFlags: number;
  levelIdc: number;
  id: number;
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
  chromaFormatIdc: number;
  bitDepthLuma: number;
  bitDepthChroma: number;
  /** False: the stream may code fields (interlaced). */
  frameMbsOnly: boolean;
  /** The cropped picture size. */
  width: number;
  height: number;
  /** From the VUI: null when the stream does not say. */
  fullRange: boolean | null;
  colour: { primaries: number; transfer: number; matrix: number } | null;
}

/** Profiles whose SPS carries chroma format, bit depth and scaling matrices. */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

function skipScalingList(bits: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + bits.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** Parses an SPS NAL unit (header byte included). */
export function parseSps(nal: Uint8Array): H264Sps {
  if (nal.length < 4 || (nal[0]! & 0x1f) !== 7) unsupported('not a sequence parameter set');
  const bits = new BitReader(rbsp(nal.subarray(1)));
  const profileIdc = bits.u(8);
  const constraintFlags = bits.u(8);
  const levelIdc = bits.u(8);
  const id = bits.ue();
  let chromaFormatIdc = 1;
  let bitDepthLuma = 8;
  let bitDepthChroma = 8;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = bits.ue();
    if (chromaFormatIdc > 3) unsupported('chroma_format_idc out of range');
    if (chromaFormatIdc === 3) bits.u(1);
    bitDepthLuma = bits.ue() + 8;
    bitDepthChroma = bits.ue() + 8;
    bits.u(1);
    if (bits.flag()) {
      for (let i = 0; i < (chromaFormatIdc !== 3 ? 8 : 12); i++)
        if (bits.flag()) skipScalingList(bits, i < 6 ? 16 : 64);
    }
  }
  bits.ue(); // log2_max_frame_num_minus4
  const pocType = bits.ue();
  if (pocType === 0) bits.ue();
  else if (pocType === 1) {
    bits.u(1);
    bits.se();
    bits.se();
    const cycle = bits.ue();
    if (cycle > 255) unsupported('num_ref_frames_in_pic_order_cnt_cycle out of range');
    for (let i = 0; i < cycle; i++) bits.se();
  } else if (pocType !== 2) unsupported('pic_order_cnt_type out of range');
  bits.ue(); // max_num_ref_frames
  bits.u(1);
  const widthMbs = bits.ue() + 1;
  const heightMapUnits = bits.ue() + 1;
  const frameMbsOnly = bits.flag();
  if (!frameMbsOnly) bits.u(1);
  bits.u(1);
  const crop = bits.flag() ? [bits.ue(), bits.ue(), bits.ue(), bits.ue()] : [0, 0, 0, 0];
  const subWidth = chromaFormatIdc === 1 || chromaFormatIdc === 2 ? 2 : 1;
  const subHeight = chromaFormatIdc === 1 ? 2 : 1;
  const cropX = chromaFormatIdc === 0 ? 1 : subWidth;
  const cropY = (chromaFormatIdc === 0 ? 1 : subHeight) * (frameMbsOnly ? 1 : 2);
  const width = widthMbs * 16 - cropX * (crop[0]! + crop[1]!);
  const height = heightMapUnits * 16 * (frameMbsOnly ? 1 : 2) - cropY * (crop[2]! + crop[3]!);
  if (width <= 0 || height <= 0) unsupported('a cropping window larger than the picture');
  const { fullRange, colour } = bits.flag() ? readVideoSignal(bits) : { fullRange: null, colour: null };
  return {
    profileIdc,
    constraintFlags,
    levelIdc,
    id,
    chromaFormatIdc,
    bitDepthLuma,
    bitDepthChroma,
    frameMbsOnly,
    width,
    height,
    fullRange,
    colour,
  };
}

/**
 * True when a sample (length-prefixed NAL units, as MP4 stores them) is a picture no other picture
 * predicts from: every slice has nal_ref_idc 0. Such pictures can be left out of a decode whose
 * output does not show them; the pictures that are shown decode to the same pixels.
 */
export function isDisposablePicture(sample: Uint8Array, lengthSize: number): boolean {
  let slices = 0;
  let at = 0;
  while (at + lengthSize <= sample.length) {
    let length = 0;
    for (let i = 0; i < lengthSize; i++) length = length * 256 + sample[at + i]!;
    at += lengthSize;
    if (length === 0 || at + length > sample.length) return false;
    const header = sample[at]!;
    const type = header & 0x1f;
    // Coded slices (1–5); an IDR picture (5) or any slice with nal_ref_idc ≠ 0 is a reference.
    if (type >= 1 && type <= 5) {
      if (type === 5 || header & 0x60) return false;
      slices++;
    }
    at += length;
  }
  return slices > 0 && at === sample.length;
}
