/**
 * H.265 syntax the smart cut rewrites (mp4/hevc.ts, mp4/hevc-join.ts), on x265's own streams:
 * renumbered parameter sets and slices name the new ids and keep every other bit, and a copied
 * CRA keyframe becomes a BLA with the same payload.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { descriptionConfig } from '../../src/mp4/avcc.ts';
import { fileByteSource } from '../../src/mp4/byte-source.ts';
import {
  HEVC_PPS,
  HEVC_SPS,
  HEVC_VPS,
  hevcVpsId,
  hvcUnits,
  isDisposableHevcPicture,
  nalType,
  parseHevcPps,
  parseHevcSps,
  parseHvcC,
  renumberPps,
  renumberSlice,
  renumberSps,
  renumberVps,
  sampleNalUnits,
  sliceHeaderLayout,
} from '../../src/mp4/hevc.ts';
import { HevcPieces } from '../../src/mp4/hevc-join.ts';
import { loadMovie } from '../../src/mp4/load-movie.ts';
import { ffmpeg, x265Args } from '../fixtures/video.ts';

const { limits } = loadConfig({ PROCESSOR_SECRET: 'hevc-unit-test-secret' });
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cutroom-hevc-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An x265 stream's sample description and samples (keyframe every 10 frames). */
async function encode(name: string, params: string) {
  const path = join(dir, name);
  await ffmpeg([
    ...['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-t', '1'],
    ...x265Args(`keyint=10:min-keyint=10:scenecut=0:${params}`, 'medium'),
    path,
  ]);
  const bytes = await fileByteSource(path);
  try {
    const { video } = await loadMovie(bytes, limits, { video: true });
    const stsd = video!.track.description!.raw;
    const { offset, size, count } = video!.samples;
    const samples = await Promise.all(Array.from({ length: count }, (_, i) => bytes.read(offset[i]!, size[i]!)));
    return { stsd, samples, config: parseHvcC(descriptionConfig(stsd)!) };
  } finally {
    await bytes.close();
  }
}

describe('H.265 parameter sets and slices renumbered', () => {
  it('names the new ids and keeps every other bit; the same ids give the same bytes', async () => {
    const { config, samples } = await encode('bframes.mp4', 'bframes=3:open-gop=0:weightp=0');
    const [vps] = hvcUnits(config, HEVC_VPS);
    const [spsUnit] = hvcUnits(config, HEVC_SPS);
    const [ppsUnit] = hvcUnits(config, HEVC_PPS);
    const sps = parseHevcSps(spsUnit!);
    const pps = parseHevcPps(ppsUnit!);
    expect([hevcVpsId(vps!), sps.id, pps.id]).toEqual([0, 0, 0]);
    const same = { vps: 0, sps: 0, pps: 0 };
    expect(renumberVps(vps!, same)).toEqual(Uint8Array.from(vps!));
    expect(renumberSps(spsUnit!, same)).toEqual(Uint8Array.from(spsUnit!));
    expect(renumberPps(ppsUnit!, same)).toEqual(Uint8Array.from(ppsUnit!));

    const ids = { vps: 3, sps: 5, pps: 12 };
    expect(hevcVpsId(renumberVps(vps!, ids))).toBe(3);
    const renumberedSps = parseHevcSps(renumberSps(spsUnit!, ids));
    expect(renumberedSps).toMatchObject({ vpsId: 3, id: 5, width: 320, height: 180, levelIdc: sps.levelIdc });
    expect(renumberedSps.shortTermSets).toEqual(sps.shortTermSets);
    const renumberedPps = parseHevcPps(renumberPps(ppsUnit!, ids));
    expect(renumberedPps).toMatchObject({ id: 12, spsId: 5, refIdxDefaults: pps.refIdxDefaults });

    let slices = 0;
    for (const sample of samples) {
      for (const unit of sampleNalUnits(sample, config.lengthSize)!) {
        if (nalType(unit) >= 32) continue;
        slices++;
        expect(renumberSlice(unit, sps, pps, same)).toEqual(Uint8Array.from(unit));
        const moved = renumberSlice(unit, sps, pps, ids);
        const before = sliceHeaderLayout(unit, sps, pps);
        const after = sliceHeaderLayout(moved, renumberedSps, renumberedPps);
        // ue(12) is 7 bits, ue(0) one: the header grows by 6 bits, the slice data stays.
        expect(after.end - before.end).toBe(6);
        expect(Buffer.from(moved.subarray(moved.length - 16))).toEqual(Buffer.from(unit.subarray(unit.length - 16)));
      }
    }
    expect(slices).toBe(samples.length);
  });

  it('knows the pictures nothing refers to: the B-frames of the highest sub-layer, never a keyframe', async () => {
    const { config, samples } = await encode('disposable.mp4', 'bframes=3:b-pyramid=0:open-gop=0');
    const sps = parseHevcSps(hvcUnits(config, HEVC_SPS)[0]!);
    const disposable = samples.map((s) => isDisposableHevcPicture(s, config.lengthSize, sps.maxSubLayersMinus1));
    expect(disposable[0]).toBe(false);
    expect(disposable[10]).toBe(false);
    expect(disposable.filter(Boolean).length).toBeGreaterThan(0);
    const { samples: pPictures, config: pConfig } = await encode('p-only.mp4', 'bframes=0:open-gop=0');
    expect(pPictures.some((s) => isDisposableHevcPicture(s, pConfig.lengthSize, 0))).toBe(false);
  });

  it('a copied CRA keyframe becomes a BLA without leading pictures, its payload unchanged; an IDR stays', async () => {
    const cra = await encode('cra.mp4', 'bframes=0:open-gop=1');
    const pieces = new HevcPieces(cra.stsd);
    const types = (sample: Uint8Array) => sampleNalUnits(sample, cra.config.lengthSize)!.map(nalType);
    expect(types(cra.samples[10]!)).toContain(21);
    const bla = pieces.keyframe(cra.samples[10]!)!;
    expect(types(bla)).toEqual(types(cra.samples[10]!).map((t) => (t === 21 ? 18 : t)));
    expect(bla.length).toBe(cra.samples[10]!.length);
    expect(Buffer.from(bla).compare(Buffer.from(cra.samples[10]!), 0, bla.length)).not.toBe(0);
    const idr = await encode('idr.mp4', 'bframes=0:open-gop=0');
    expect(new HevcPieces(idr.stsd).keyframe(idr.samples[10]!)).toBeNull();
  });
});
