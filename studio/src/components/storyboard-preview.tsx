/**
 * Hovering the timeline shows the storyboard tile of the time under the pointer (the API's sprite
 * and tile geometry, GET …/storyboard), so a user finds a moment without seeking the video.
 */
import { type ReactNode, useState } from 'react';
import type { Storyboard } from '../api/types.ts';

/** The tile standing for `time` (tiles are in time order and back to back). */
export function tileAt(board: Storyboard, time: number) {
  const i = Math.min(board.tiles.length - 1, Math.max(0, Math.floor(time / board.interval)));
  return board.tiles[i];
}

export function StoryboardPreview({ board, children }: { board: Storyboard | undefined; children: ReactNode }) {
  const [hover, setHover] = useState<{ left: number; time: number } | null>(null);
  const tile = board && hover ? tileAt(board, hover.time) : undefined;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a pointer-only preview; the frame at the playhead serves the keyboard
    <div
      className="scrub"
      onMouseMove={(e) => {
        if (!board) return;
        const box = e.currentTarget.getBoundingClientRect();
        const fraction = Math.min(1, Math.max(0, (e.clientX - box.left) / box.width));
        setHover({ left: e.clientX - box.left, time: fraction * board.duration });
      }}
      onMouseLeave={() => setHover(null)}
    >
      {children}
      {board && tile && hover ? (
        <figure
          className="scrub-tile"
          style={{ left: Math.max(0, hover.left - board.tile_width / 2), width: board.tile_width }}
        >
          <div
            role="img"
            aria-label={`Preview at ${hover.time.toFixed(1)} s`}
            style={{
              width: board.tile_width,
              height: board.tile_height,
              backgroundImage: `url("${board.sprite_url}")`,
              backgroundPosition: `-${tile.x}px -${tile.y}px`,
            }}
          />
          <figcaption>{hover.time.toFixed(1)} s</figcaption>
        </figure>
      ) : null}
    </div>
  );
}
