/**
 * Re-encoded H.265 pieces joined to a source's packets (mp4/smart-join.ts). The output's one
 * `hvcC` carries the source's parameter sets and each piece's, so each piece's VPS/SPS/PPS take ids
 * the source does not use and its slices name them (mp4/hevc.ts); in-band parameter sets are
 * dropped (an `hvc1` track keeps them in the sample entry only). The copied part starts on the
 * source's keyframe: a CRA there (which nothing leads in the cut: the planner refuses leading
 * pictures) becomes a BLA without leading pictures, so the decoder starts afresh on it instead of
 * continuing the piece's picture order and reference sets.
 */
import { descriptionConfig, descriptionWithConfig } from './avcc.ts';
import {
  HEVC_PPS,
  HEVC_SPS,
  HEVC_VPS,
  type HevcIds,
  type HevcSps,
  type HvcConfig,
  hevcVpsId,
  hvcUnits,
  joinNalUnits,
  nalType,
  parseHevcPps,
  parseHevcSps,
  parseHvcC,
  renumberPps,
  renumberSlice,
  renumberSps,
  renumberVps,
  sampleNalUnits,
  withHevcParameterSets,
  writeHvcC,
} from './hevc.ts';
import { unsupported } from './unsupported.ts';

const CRA = 21;
const BLA_N_LP = 18;

function configOf(stsd: Buffer): HvcConfig {
  const config = descriptionConfig(stsd);
  return config ? parseHvcC(config) : unsupported('a track without hvcC');
}

function one(config: HvcConfig, type: number): Uint8Array {
  const units = hvcUnits(config, type);
  if (units.length !== 1) unsupported(`a piece with ${units.length} parameter sets of type ${type}`);
  return units[0]!;
}

/** The smallest id below `limit` not in `used` (then taken). */
function take(used: Set<number>, limit: number): number {
  for (let id = 0; id < limit; id++) {
    if (!used.has(id)) {
      used.add(id);
      return id;
    }
  }
  return unsupported('no free parameter set id');
}

export class HevcPieces {
  private readonly stage: HvcConfig;
  private readonly source: HevcSps;
  private readonly used = { vps: new Set<number>(), sps: new Set<number>(), pps: new Set<number>() };
  private readonly added: Uint8Array[] = [];

  constructor(stageStsd: Buffer) {
    this.stage = configOf(stageStsd);
    for (const unit of hvcUnits(this.stage, HEVC_VPS)) this.used.vps.add(hevcVpsId(unit));
    const sets = hvcUnits(this.stage, HEVC_SPS).map(parseHevcSps);
    for (const sps of sets) this.used.sps.add(sps.id);
    for (const unit of hvcUnits(this.stage, HEVC_PPS)) this.used.pps.add(parseHevcPps(unit).id);
    this.source = sets[0] ?? unsupported('a source without an SPS');
  }

  /** A piece's samples as the output carries them: its slices naming its renumbered parameter sets. */
  piece(stsd: Buffer, samples: readonly Uint8Array[]): Uint8Array[] {
    const config = configOf(stsd);
    if (config.lengthSize !== this.stage.lengthSize) unsupported('a piece with another NAL length size');
    const vps = one(config, HEVC_VPS);
    const spsUnit = one(config, HEVC_SPS);
    const ppsUnit = one(config, HEVC_PPS);
    const sps = parseHevcSps(spsUnit);
    const pps = parseHevcPps(ppsUnit);
    // What ffprobe does not report, checked here: the same tier and profile space as the source.
    if (sps.tier !== this.source.tier || sps.profileSpace !== this.source.profileSpace)
      unsupported('a piece of another tier');
    const ids: HevcIds = { vps: take(this.used.vps, 16), sps: take(this.used.sps, 16), pps: take(this.used.pps, 64) };
    this.added.push(renumberVps(vps, ids), renumberSps(spsUnit, ids), renumberPps(ppsUnit, ids));
    return samples.map((sample) => {
      const units = sampleNalUnits(sample, config.lengthSize) ?? unsupported('a piece sample that does not parse');
      const kept = units
        .filter((u) => nalType(u) < HEVC_VPS || nalType(u) > HEVC_PPS)
        .map((u) => (nalType(u) < 32 ? renumberSlice(u, sps, pps, ids) : u));
      return joinNalUnits(kept, config.lengthSize);
    });
  }

  /** The copied keyframe as the output carries it, or null when it stays byte for byte. */
  keyframe(sample: Uint8Array): Uint8Array | null {
    const units = sampleNalUnits(sample, this.stage.lengthSize);
    if (!units?.some((u) => nalType(u) === CRA)) return null;
    return joinNalUnits(
      units.map((u) =>
        nalType(u) === CRA ? Uint8Array.from([(u[0]! & 0x81) | (BLA_N_LP << 1), ...u.subarray(1)]) : u,
      ),
      this.stage.lengthSize,
    );
  }

  /** The stage's sample description with every piece's parameter sets in its hvcC. */
  description(stageStsd: Buffer): Buffer {
    return (
      descriptionWithConfig(stageStsd, writeHvcC(withHevcParameterSets(this.stage, this.added))) ??
      unsupported('the stage has no hvcC')
    );
  }
}
