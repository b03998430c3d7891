/**
 * The waveform under the player (wavesurfer.js driving the page's own <video>, with the API's
 * precomputed peaks, so no audio is decoded in the browser). Regions: detected voice (shaded, fixed),
 * the video's segments (drag or resize to change them) and the draft segment (drag on empty
 * waveform to mark it).
 */
import { type RefObject, useEffect, useRef } from 'react';
import WaveSurfer from 'wavesurfer.js';
import RegionsPlugin, { type Region } from 'wavesurfer.js/dist/plugins/regions.esm.js';

export interface WaveformRegion {
  id: string;
  start: number;
  end: number;
  kind: 'voice' | 'segment';
}

const COLORS = {
  voice: 'rgba(27, 122, 62, 0.22)',
  segment: 'rgba(23, 78, 166, 0.30)',
  draft: 'rgba(196, 92, 0, 0.35)',
};
const DRAFT_ID = 'draft';

type RegionsApi = ReturnType<typeof RegionsPlugin.create>;

export function Waveform({
  media,
  peaks,
  duration,
  regions,
  draft,
  onDraft,
  onSegmentMoved,
}: {
  media: RefObject<HTMLVideoElement | null>;
  peaks: number[];
  duration: number;
  regions: WaveformRegion[];
  draft: { start: number; end: number } | null;
  onDraft: (range: { start: number; end: number }) => void;
  onSegmentMoved: (id: string, range: { start: number; end: number }) => void;
}) {
  const container = useRef<HTMLElement>(null);
  const plugin = useRef<RegionsApi | null>(null);
  const handlers = useRef({ onDraft, onSegmentMoved });
  handlers.current = { onDraft, onSegmentMoved };

  useEffect(() => {
    if (!container.current || !media.current) return;
    const regionsPlugin = RegionsPlugin.create();
    const ws = WaveSurfer.create({
      container: container.current,
      media: media.current,
      peaks: [peaks],
      duration,
      height: 96,
      waveColor: '#6b7a90',
      progressColor: '#174ea6',
      cursorColor: '#b3261e',
      cursorWidth: 2,
      normalize: true,
      dragToSeek: false,
      plugins: [regionsPlugin],
    });
    plugin.current = regionsPlugin;
    const stopDragging = regionsPlugin.enableDragSelection({ color: COLORS.draft, id: DRAFT_ID });
    regionsPlugin.on('region-created', (region: Region) => {
      if (region.id !== DRAFT_ID) return;
      // One draft at a time: a new drag replaces the previous draft.
      for (const other of regionsPlugin.getRegions()) if (other !== region && other.id === DRAFT_ID) other.remove();
      handlers.current.onDraft({ start: region.start, end: region.end });
    });
    regionsPlugin.on('region-updated', (region: Region) => {
      if (region.id === DRAFT_ID) handlers.current.onDraft({ start: region.start, end: region.end });
      else if (!region.id.startsWith('voice-')) handlers.current.onSegmentMoved(region.id, region);
    });
    return () => {
      stopDragging();
      plugin.current = null;
      ws.destroy();
    };
  }, [media, peaks, duration]);

  // Voice and segment regions follow the data.
  useEffect(() => {
    const regionsPlugin = plugin.current;
    if (!regionsPlugin) return;
    for (const region of regionsPlugin.getRegions()) if (region.id !== DRAFT_ID) region.remove();
    for (const r of regions) {
      regionsPlugin.addRegion({
        id: r.id,
        start: r.start,
        end: r.end,
        color: COLORS[r.kind],
        drag: r.kind === 'segment',
        resize: r.kind === 'segment',
      });
    }
  }, [regions]);

  // The draft follows the Start/End fields.
  useEffect(() => {
    const regionsPlugin = plugin.current;
    if (!regionsPlugin) return;
    const current = regionsPlugin.getRegions().find((r) => r.id === DRAFT_ID);
    if (!draft) current?.remove();
    else if (!current) regionsPlugin.addRegion({ id: DRAFT_ID, ...draft, color: COLORS.draft });
    else if (Math.abs(current.start - draft.start) > 0.0005 || Math.abs(current.end - draft.end) > 0.0005)
      current.setOptions({ start: draft.start, end: draft.end });
  }, [draft]);

  return <section ref={container} className="waveform" aria-label="Waveform" />;
}
