/** Daily spend per provider as lines (uPlot, loaded with the Costs screen only). */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface SpendSeries {
  /** Day starts, seconds since the epoch (UTC). */
  days: number[];
  gemini: number[];
  elevenlabs: number[];
}

export default function SpendChart({ data, label }: { data: SpendSeries; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const width = Math.max(320, box.current.clientWidth);
    const chart = new uPlot(
      {
        width,
        height: 240,
        series: [
          {},
          { label: 'Gemini', stroke: '#174ea6', width: 2, value: (_u, v) => (v === null ? '–' : `$${v.toFixed(4)}`) },
          {
            label: 'ElevenLabs',
            stroke: '#b3261e',
            width: 2,
            value: (_u, v) => (v === null ? '–' : `$${v.toFixed(4)}`),
          },
        ],
        axes: [{}, { values: (_u, ticks) => ticks.map((t) => `$${t}`) }],
        scales: { x: { time: true } },
      },
      [data.days, data.gemini, data.elevenlabs],
      box.current,
    );
    return () => chart.destroy();
  }, [data]);
  return <div ref={box} className="chart" role="img" aria-label={label} />;
}
