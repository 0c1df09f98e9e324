import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** The funnel as bars (uPlot, in the analytics chunk only). The table beside it carries the
 * same figures for screen readers; the canvas is labelled as an image of them. */
export function FunnelChart({ labels, values }: { labels: string[]; values: number[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(280, el.clientWidth);
    const bars = uPlot.paths.bars?.({ size: [0.6, 80] });
    const plot = new uPlot(
      {
        width,
        height: 260,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false, range: [-0.5, labels.length - 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        axes: [
          {
            values: (_u, ticks) => ticks.map((t) => labels[Math.round(t)] ?? ''),
            splits: () => labels.map((_, i) => i),
            size: 50,
            font: '13px system-ui',
          },
          // Whole clients only on the count axis.
          { font: '13px system-ui', size: 50, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000] },
        ],
        series: [{}, { label: 'Клиенты', fill: 'rgba(11, 92, 171, 0.85)', stroke: '#0b5cab', paths: bars, points: { show: false } }],
      },
      [labels.map((_, i) => i), values],
      el,
    );
    // Follow the card's width (a rotated tablet, a resized window).
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 260 }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [labels, values]);
  return <div ref={box} className="chart" role="img" aria-label={labels.map((l, i) => `${l}: ${values[i]}`).join(', ')} data-testid="funnel-chart" />;
}
