/**
 * A segment's card picture that plays the segment while hovered or focused: its extracted video when
 * there is one, else the source video's stream limited to the segment's range.
 */
import { useRef, useState } from 'react';
import type { Segment } from '../api/types.ts';

export function SegmentPreview({ segment, sourceStreamUrl }: { segment: Segment; sourceStreamUrl?: string | null }) {
  const [playing, setPlaying] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  const src =
    segment.stream_url ?? (sourceStreamUrl ? `${sourceStreamUrl}#t=${segment.start_time},${segment.end_time}` : null);
  const loopWithin = () => {
    const v = video.current;
    if (v && !segment.stream_url && v.currentTime >= segment.end_time) v.currentTime = segment.start_time;
  };
  return (
    // Hovering is a shortcut for pointer users; keyboard users get the same preview when the card's link
    // inside takes focus (focus events bubble up to here).
    // biome-ignore lint/a11y/noStaticElementInteractions: see above
    <div
      className="preview"
      onMouseEnter={() => setPlaying(true)}
      onMouseLeave={() => setPlaying(false)}
      onFocus={() => setPlaying(true)}
      onBlur={() => setPlaying(false)}
    >
      {playing && src ? (
        <video
          ref={video}
          src={src}
          muted
          autoPlay
          playsInline
          onTimeUpdate={loopWithin}
          aria-label={`Preview of ${segment.source_video_name}`}
        />
      ) : segment.thumbnail_url ? (
        <img src={segment.thumbnail_url} alt="" loading="lazy" />
      ) : (
        <div className="thumb-placeholder" aria-hidden="true" />
      )}
    </div>
  );
}
