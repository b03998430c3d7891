/**
 * H.265 syntax for the smart cut (ITU-T H.265 7.3): the sequence parameter set's profile, level,
 * picture format and colour description; which pictures nothing refers to; and renumbering the
 * parameter sets of a re-encoded piece. x265 cannot choose its parameter-set ids (always 0, as a
 * source's usually are), yet the output's one `hvcC` must hold the source's sets and the piece's
 * side by side, so the piece's VPS/SPS/PPS get free ids and every slice of the piece names its new
 * PPS: the ids are rewritten bit by bit and each NAL unit is escaped again; the slice data after
 * the header is kept byte for byte. Only the shapes the processor's own x265 encode produces (and
 * the common ones of cameras) are understood; anything else is `Mp4Unsupported`.
 */
import { BitReader, BitWriter, escapeRbsp, rbsp, readVideoSignal } from './bits.ts';
import { unsupported } from './unsupported.ts';

export const HEVC_VPS = 32;
export const HEVC_SPS = 33;
export const HEVC_PPS = 34;

export const nalType = (nal: Uint8Array) => (nal[0]! >> 1) & 0x3f;

/** A NAL unit's payload (after its two header bytes) as RBSP. */
const payload = (nal: Uint8Array) => rbsp(nal.subarray(2));

/** vps_video_parameter_set_id of a VPS NAL unit. */
export const hevcVpsId = (nal: Uint8Array) => payload(nal)[0]! >> 4;

export interface HevcSps {
  vpsId: number;
  id: number;
  maxSubLayersMinus1: number;
  profileSpace: number;
  tier: number;
  profileIdc: number;
  /** general_profile_compatibility_flags, bit j = flag j. */
  compatibility: number;
  levelIdc: number;
  chromaFormatIdc: number;
  separateColourPlanes: boolean;
  bitDepthLuma: number;
  bitDepthChroma: number;
  /** The picture size after the conformance window. */
  width: number;
  height: number;
  /** From the VUI (absent: limited range, no description). */
  fullRange: boolean;
  colour: { primaries: number; transfer: number; matrix: number } | null;
  /** Interlaced or field coding signalled (general_interlaced_source_flag / field_seq_flag). */
  fields: boolean;
  // What slice headers need.
  log2MaxPocLsb: number;
  /** NumDeltaPocs of each short-term reference picture set in the SPS. */
  shortTermSets: number[];
  longTermRefs: boolean;
  numLongTermRefsSps: number;
  temporalMvp: boolean;
  sao: boolean;
  picSizeInCtbs: number;
  /** Where sps_seq_parameter_set_id lies in the payload, in bits (for renumbering). */
  idBits: { from: number; to: number };
}

function profileTierLevel(bits: BitReader, maxSubLayersMinus1: number) {
  const profileSpace = bits.u(2);
  const tier = bits.u(1);
  const profileIdc = bits.u(5);
  const compatibility = bits.u(32);
  bits.u(1); // progressive source
  const interlaced = bits.flag();
  bits.u(2); // non-packed, frame-only constraint
  bits.u(32);
  bits.u(12); // 43 reserved/constraint bits and general_inbld_flag
  const levelIdc = bits.u(8);
  const present: [boolean, boolean][] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) present.push([bits.flag(), bits.flag()]);
  if (maxSubLayersMinus1 > 0) for (let i = maxSubLayersMinus1; i < 8; i++) bits.u(2);
  for (const [profile, level] of present) {
    if (profile) {
      bits.u(32);
      bits.u(32);
      bits.u(24);
    }
    if (level) bits.u(8);
  }
  return { profileSpace, tier, profileIdc, compatibility, levelIdc, interlaced };
}

function skipScalingListData(bits: BitReader): void {
  for (let size = 0; size < 4; size++) {
    for (let matrix = 0; matrix < 6; matrix += size === 3 ? 3 : 1) {
      if (!bits.flag()) bits.ue();
      else {
        const coefficients = Math.min(64, 1 << (4 + (size << 1)));
        if (size > 1) bits.se();
        for (let i = 0; i < coefficients; i++) bits.se();
      }
    }
  }
}

/** st_ref_pic_set(index): returns its NumDeltaPocs. `sets` holds those of the sets before it. */
function shortTermRefPicSet(bits: BitReader, index: number, sets: readonly number[]): number {
  if (index !== 0 && bits.flag()) {
    // Predicted from an earlier set (in a slice header, index = sets.length and the delta is coded).
    const deltaIdx = index === sets.length ? bits.ue() + 1 : 1;
    const reference = sets[index - deltaIdx];
    if (reference === undefined) unsupported('a reference picture set predicted from nothing');
    bits.u(1);
    bits.ue();
    let count = 0;
    for (let j = 0; j <= reference; j++) {
      const used = bits.flag();
      const useDelta = used ? true : bits.flag();
      if (used || useDelta) count++;
    }
    return count;
  }
  const negative = bits.ue();
  const positive = bits.ue();
  if (negative > 16 || positive > 16) unsupported('a reference picture set over 16 pictures');
  for (let i = 0; i < negative + positive; i++) {
    bits.ue();
    bits.u(1);
  }
  return negative + positive;
}

export function parseHevcSps(nal: Uint8Array): HevcSps {
  if (nal.length < 4 || nalType(nal) !== HEVC_SPS) unsupported('not an H.265 sequence parameter set');
  const bits = new BitReader(payload(nal));
  const vpsId = bits.u(4);
  const maxSubLayersMinus1 = bits.u(3);
  bits.u(1);
  const ptl = profileTierLevel(bits, maxSubLayersMinus1);
  const idFrom = bits.position;
  const id = bits.ue();
  const idBits = { from: idFrom, to: bits.position };
  if (id > 15) unsupported('sps_seq_parameter_set_id out of range');
  const chromaFormatIdc = bits.ue();
  if (chromaFormatIdc > 3) unsupported('chroma_format_idc out of range');
  const separateColourPlanes = chromaFormatIdc === 3 ? bits.flag() : false;
  const codedWidth = bits.ue();
  const codedHeight = bits.ue();
  const window = bits.flag() ? [bits.ue(), bits.ue(), bits.ue(), bits.ue()] : [0, 0, 0, 0];
  const subWidth = chromaFormatIdc === 1 || chromaFormatIdc === 2 ? 2 : 1;
  const subHeight = chromaFormatIdc === 1 ? 2 : 1;
  const width = codedWidth - subWidth * (window[0]! + window[1]!);
  const height = codedHeight - subHeight * (window[2]! + window[3]!);
  if (width <= 0 || height <= 0) unsupported('a conformance window larger than the picture');
  const bitDepthLuma = bits.ue() + 8;
  const bitDepthChroma = bits.ue() + 8;
  const log2MaxPocLsb = bits.ue() + 4;
  if (log2MaxPocLsb > 16) unsupported('log2_max_pic_order_cnt_lsb out of range');
  const orderingInfo = bits.flag();
  for (let i = orderingInfo ? 0 : maxSubLayersMinus1; i <= maxSubLayersMinus1; i++) {
    bits.ue();
    bits.ue();
    bits.ue();
  }
  const log2MinCb = bits.ue() + 3;
  const log2Ctb = log2MinCb + bits.ue();
  if (log2Ctb > 6) unsupported('a coding tree block over 64');
  bits.ue();
  bits.ue();
  bits.ue();
  bits.ue();
  if (bits.flag() && bits.flag()) skipScalingListData(bits);
  bits.u(1); // amp
  const sao = bits.flag();
  if (bits.flag()) {
    bits.u(8);
    bits.ue();
    bits.ue();
    bits.u(1);
  }
  const setCount = bits.ue();
  if (setCount > 64) unsupported('num_short_term_ref_pic_sets out of range');
  const shortTermSets: number[] = [];
  for (let i = 0; i < setCount; i++) shortTermSets.push(shortTermRefPicSet(bits, i, shortTermSets));
  const longTermRefs = bits.flag();
  let numLongTermRefsSps = 0;
  if (longTermRefs) {
    numLongTermRefsSps = bits.ue();
    if (numLongTermRefsSps > 32) unsupported('num_long_term_ref_pics_sps out of range');
    for (let i = 0; i < numLongTermRefsSps; i++) {
      bits.u(log2MaxPocLsb);
      bits.u(1);
    }
  }
  const temporalMvp = bits.flag();
  bits.u(1); // strong intra smoothing
  let fullRange = false;
  let colour: HevcSps['colour'] = null;
  let fieldSeq = false;
  if (bits.flag()) {
    const signal = readVideoSignal(bits);
    fullRange = signal.fullRange ?? false;
    colour = signal.colour;
    if (bits.flag()) {
      bits.ue();
      bits.ue();
    }
    bits.u(1); // neutral chroma
    fieldSeq = bits.flag();
  }
  const ctb = 1 << log2Ctb;
  return {
    vpsId,
    id,
    maxSubLayersMinus1,
    profileSpace: ptl.profileSpace,
    tier: ptl.tier,
    profileIdc: ptl.profileIdc,
    compatibility: ptl.compatibility,
    levelIdc: ptl.levelIdc,
    chromaFormatIdc,
    separateColourPlanes,
    bitDepthLuma,
    bitDepthChroma,
    width,
    height,
    fullRange,
    colour,
    fields: fieldSeq || ptl.interlaced,
    log2MaxPocLsb,
    shortTermSets,
    longTermRefs,
    numLongTermRefsSps,
    temporalMvp,
    sao,
    picSizeInCtbs: Math.ceil(codedWidth / ctb) * Math.ceil(codedHeight / ctb),
    idBits,
  };
}

export interface HevcPps {
  id: number;
  spsId: number;
  dependentSlices: boolean;
  outputFlag: boolean;
  extraSliceHeaderBits: number;
  cabacInitPresent: boolean;
  /** num_ref_idx_l0/l1_default_active_minus1. */
  refIdxDefaults: [number, number];
  chromaQpOffsetsPresent: boolean;
  weightedPred: boolean;
  weightedBipred: boolean;
  entryPoints: boolean;
  loopFilterAcrossSlices: boolean;
  deblockingOverride: boolean;
  deblockingDisabled: boolean;
  listsModification: boolean;
  sliceHeaderExtension: boolean;
  /** Both ids lie in [0, idsEnd) bits of the payload. */
  idsEnd: number;
}

export function parseHevcPps(nal: Uint8Array): HevcPps {
  if (nal.length < 3 || nalType(nal) !== HEVC_PPS) unsupported('not an H.265 picture parameter set');
  const bits = new BitReader(payload(nal));
  const id = bits.ue();
  const spsId = bits.ue();
  const idsEnd = bits.position;
  if (id > 63 || spsId > 15) unsupported('a parameter set id out of range');
  const dependentSlices = bits.flag();
  const outputFlag = bits.flag();
  const extraSliceHeaderBits = bits.u(3);
  bits.u(1);
  const cabacInitPresent = bits.flag();
  const refIdxDefaults: [number, number] = [bits.ue(), bits.ue()];
  bits.se();
  bits.u(2);
  if (bits.flag()) bits.ue();
  bits.se();
  bits.se();
  const chromaQpOffsetsPresent = bits.flag();
  const weightedPred = bits.flag();
  const weightedBipred = bits.flag();
  bits.u(1);
  const tiles = bits.flag();
  const entropySync = bits.flag();
  if (tiles) {
    const columns = bits.ue();
    const rows = bits.ue();
    if (!bits.flag()) for (let i = 0; i < columns + rows; i++) bits.ue();
    bits.u(1);
  }
  const loopFilterAcrossSlices = bits.flag();
  let deblockingOverride = false;
  let deblockingDisabled = false;
  if (bits.flag()) {
    deblockingOverride = bits.flag();
    deblockingDisabled = bits.flag();
    if (!deblockingDisabled) {
      bits.se();
      bits.se();
    }
  }
  if (bits.flag()) skipScalingListData(bits);
  const listsModification = bits.flag();
  bits.ue();
  const sliceHeaderExtension = bits.flag();
  // Range, multilayer, 3D and screen-content extensions change the slice header: not modelled.
  if (bits.flag()) unsupported('a picture parameter set with extensions');
  return {
    id,
    spsId,
    dependentSlices,
    outputFlag,
    extraSliceHeaderBits,
    cabacInitPresent,
    refIdxDefaults,
    chromaQpOffsetsPresent,
    weightedPred,
    weightedBipred,
    entryPoints: tiles || entropySync,
    loopFilterAcrossSlices,
    deblockingOverride,
    deblockingDisabled,
    listsModification,
    sliceHeaderExtension,
    idsEnd,
  };
}

const bitsFor = (n: number) => (n > 1 ? Math.ceil(Math.log2(n)) : 0);

/**
 * Reads a slice segment header up to its byte_alignment(): where slice_pic_parameter_set_id lies
 * and where the header ends, in payload bits. Weighted prediction tables and reference list
 * modifications (which the processor's x265 encode does not write) are unsupported.
 */
export function sliceHeaderLayout(
  nal: Uint8Array,
  sps: HevcSps,
  pps: HevcPps,
): { ppsIdBits: { from: number; to: number }; end: number } {
  const type = nalType(nal);
  const bits = new BitReader(payload(nal));
  const firstInPicture = bits.flag();
  if (type >= 16 && type <= 23) bits.u(1);
  const from = bits.position;
  bits.ue();
  const ppsIdBits = { from, to: bits.position };
  let dependent = false;
  if (!firstInPicture) {
    if (pps.dependentSlices) dependent = bits.flag();
    bits.u(bitsFor(sps.picSizeInCtbs));
  }
  if (!dependent) {
    bits.u(pps.extraSliceHeaderBits);
    const sliceType = bits.ue(); // 0 B, 1 P, 2 I
    if (sliceType > 2) unsupported('slice_type out of range');
    if (pps.outputFlag) bits.u(1);
    if (sps.separateColourPlanes) bits.u(2);
    let temporalMvp = false;
    if (type !== 19 && type !== 20) {
      bits.u(sps.log2MaxPocLsb);
      if (!bits.flag()) shortTermRefPicSet(bits, sps.shortTermSets.length, sps.shortTermSets);
      else bits.u(bitsFor(sps.shortTermSets.length));
      if (sps.longTermRefs) {
        const fromSps = sps.numLongTermRefsSps > 0 ? bits.ue() : 0;
        const inSlice = bits.ue();
        for (let i = 0; i < fromSps + inSlice; i++) {
          if (i < fromSps) bits.u(bitsFor(sps.numLongTermRefsSps));
          else {
            bits.u(sps.log2MaxPocLsb);
            bits.u(1);
          }
          if (bits.flag()) bits.ue();
        }
      }
      if (sps.temporalMvp) temporalMvp = bits.flag();
    }
    let sao = false;
    if (sps.sao) {
      sao = bits.flag();
      // ChromaArrayType ≠ 0.
      if (sps.chromaFormatIdc !== 0 && !sps.separateColourPlanes) sao = bits.flag() || sao;
    }
    if (sliceType !== 2) {
      let [l0, l1] = pps.refIdxDefaults;
      if (bits.flag()) {
        l0 = bits.ue();
        if (sliceType === 0) l1 = bits.ue();
      }
      if (pps.listsModification) unsupported('reference list modification');
      if (sliceType === 0) bits.u(1);
      if (pps.cabacInitPresent) bits.u(1);
      if (temporalMvp) {
        const fromL0 = sliceType === 0 ? bits.flag() : true;
        if ((fromL0 && l0 > 0) || (!fromL0 && l1 > 0)) bits.ue();
      }
      if ((pps.weightedPred && sliceType === 1) || (pps.weightedBipred && sliceType === 0))
        unsupported('weighted prediction');
      bits.ue();
    }
    bits.se();
    if (pps.chromaQpOffsetsPresent) {
      bits.se();
      bits.se();
    }
    let deblockingDisabled = pps.deblockingDisabled;
    if (pps.deblockingOverride && bits.flag()) {
      deblockingDisabled = bits.flag();
      if (!deblockingDisabled) {
        bits.se();
        bits.se();
      }
    }
    if (pps.loopFilterAcrossSlices && (sao || !deblockingDisabled)) bits.u(1);
  }
  if (pps.entryPoints) {
    const count = bits.ue();
    if (count > 0) {
      const length = bits.ue() + 1;
      if (length > 32) unsupported('offset_len out of range');
      for (let i = 0; i < count; i++) bits.u(length);
    }
  }
  if (pps.sliceHeaderExtension) bits.u(8 * bits.ue());
  return { ppsIdBits, end: bits.position };
}

/** A NAL unit: its two header bytes, then `fields` and what follows them up to the stop bit, escaped. */
function rewriteFields(nal: Uint8Array, write: (out: BitWriter, bits: BitReader) => number): Uint8Array {
  const bits = new BitReader(payload(nal));
  const out = new BitWriter();
  const resume = write(out, bits);
  out.copy(bits, resume, bits.stopBit());
  return Uint8Array.from([nal[0]!, nal[1]!, ...escapeRbsp(out.bytes())]);
}

export interface HevcIds {
  vps: number;
  sps: number;
  pps: number;
}

export function renumberVps(nal: Uint8Array, ids: HevcIds): Uint8Array {
  return rewriteFields(nal, (out) => {
    out.u(4, ids.vps);
    return 4;
  });
}

export function renumberSps(nal: Uint8Array, ids: HevcIds): Uint8Array {
  const sps = parseHevcSps(nal);
  return rewriteFields(nal, (out, bits) => {
    out.u(4, ids.vps).copy(bits, 4, sps.idBits.from).ue(ids.sps);
    return sps.idBits.to;
  });
}

export function renumberPps(nal: Uint8Array, ids: HevcIds): Uint8Array {
  const pps = parseHevcPps(nal);
  return rewriteFields(nal, (out) => {
    out.ue(ids.pps).ue(ids.sps);
    return pps.idsEnd;
  });
}

/**
 * A slice segment naming PPS `ids.pps`: the header rewritten up to its byte alignment, the slice
 * data after it byte for byte (checked: escaping it again must give the same bytes).
 */
export function renumberSlice(nal: Uint8Array, sps: HevcSps, pps: HevcPps, ids: HevcIds): Uint8Array {
  const data = payload(nal);
  const layout = sliceHeaderLayout(nal, sps, pps);
  const bits = new BitReader(data);
  const header = new BitWriter()
    .copy(bits, 0, layout.ppsIdBits.from)
    .ue(ids.pps)
    .copy(bits, layout.ppsIdBits.to, layout.end)
    .bytes();
  // byte_alignment(): a 1 then zeros — what `bytes()` ends with.
  const rest = data.subarray(Math.ceil((layout.end + 1) / 8));
  const rewritten = escapeRbsp(Uint8Array.from([...header, ...rest]));
  const original = nal.subarray(2);
  const tail = escapeRbsp(rest);
  if (!Buffer.from(original.subarray(original.length - tail.length)).equals(Buffer.from(tail)))
    unsupported('slice data escaped differently after its header');
  return Uint8Array.from([nal[0]!, nal[1]!, ...rewritten]);
}

/** The NAL units of a sample (length-prefixed). */
export function sampleNalUnits(sample: Uint8Array, lengthSize: number): Uint8Array[] | null {
  const units: Uint8Array[] = [];
  let at = 0;
  while (at + lengthSize <= sample.length) {
    let length = 0;
    for (let i = 0; i < lengthSize; i++) length = length * 256 + sample[at + i]!;
    at += lengthSize;
    if (length === 0 || at + length > sample.length) return null;
    units.push(sample.subarray(at, at + length));
    at += length;
  }
  return at === sample.length ? units : null;
}

/** Length-prefixed NAL units as one sample. */
export function joinNalUnits(units: readonly Uint8Array[], lengthSize: number): Uint8Array {
  const out = new Uint8Array(units.reduce((n, u) => n + lengthSize + u.length, 0));
  let at = 0;
  for (const unit of units) {
    for (let i = 0; i < lengthSize; i++) out[at + i] = (unit.length >> (8 * (lengthSize - 1 - i))) & 0xff;
    out.set(unit, at + lengthSize);
    at += lengthSize + unit.length;
  }
  return out;
}

/**
 * True when no picture refers to this one: every slice is a sub-layer non-reference picture
 * (TRAIL_N, TSA_N, STSA_N, RADL_N, RASL_N) of the highest temporal sub-layer.
 */
export function isDisposableHevcPicture(sample: Uint8Array, lengthSize: number, maxSubLayersMinus1: number): boolean {
  const units = sampleNalUnits(sample, lengthSize);
  if (!units) return false;
  let slices = 0;
  for (const unit of units) {
    const type = nalType(unit);
    if (type > 31) continue;
    if (type >= 16 || type % 2 === 1 || (unit[1]! & 7) - 1 !== maxSubLayersMinus1) return false;
    slices++;
  }
  return slices > 0;
}

// ─── hvcC ──────────────────────────────────────────────────────────────────────────────────────

export interface HvcConfig {
  /** The 22 bytes before numOfArrays, kept as they are. */
  header: Buffer;
  lengthSize: number;
  arrays: { completeness: number; type: number; units: Uint8Array[] }[];
}

export function parseHvcC(data: Buffer): HvcConfig {
  if (data.length < 23 || data[0] !== 1) unsupported('an hvcC of another version');
  const arrays: HvcConfig['arrays'] = [];
  let at = 23;
  for (let i = 0; i < data[22]!; i++) {
    if (at + 3 > data.length) unsupported('an hvcC cut off');
    const completeness = data[at]! >> 7;
    const type = data[at]! & 0x3f;
    const count = data.readUInt16BE(at + 1);
    at += 3;
    const units: Uint8Array[] = [];
    for (let j = 0; j < count; j++) {
      if (at + 2 > data.length) unsupported('an hvcC cut off');
      const length = data.readUInt16BE(at);
      if (at + 2 + length > data.length) unsupported('an hvcC cut off');
      units.push(data.subarray(at + 2, at + 2 + length));
      at += 2 + length;
    }
    arrays.push({ completeness, type, units });
  }
  return { header: data.subarray(0, 22), lengthSize: (data[21]! & 3) + 1, arrays };
}

export function writeHvcC(config: HvcConfig): Buffer {
  const parts: Buffer[] = [config.header, Buffer.from([config.arrays.length])];
  for (const array of config.arrays) {
    parts.push(
      Buffer.from([(array.completeness << 7) | array.type, array.units.length >> 8, array.units.length & 0xff]),
    );
    for (const unit of array.units) parts.push(Buffer.from([unit.length >> 8, unit.length & 0xff]), Buffer.from(unit));
  }
  return Buffer.concat(parts);
}

/** The parameter sets of an hvcC, by type. */
export const hvcUnits = (config: HvcConfig, type: number): Uint8Array[] =>
  config.arrays.filter((a) => a.type === type).flatMap((a) => a.units);

/** `own` with `extra` NAL units added to the arrays of their types (new arrays where it has none). */
export function withHevcParameterSets(own: HvcConfig, extra: readonly Uint8Array[]): HvcConfig {
  const arrays = own.arrays.map((a) => ({ ...a, units: [...a.units] }));
  for (const unit of extra) {
    const type = nalType(unit);
    const array = arrays.find((a) => a.type === type);
    if (array) array.units.push(unit);
    else arrays.push({ completeness: 1, type, units: [unit] });
  }
  arrays.sort((a, b) => a.type - b.type);
  return { ...own, arrays };
}
