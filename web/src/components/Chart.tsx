// A line chart on uPlot (small and fast enough for thousands of points updating live).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
}

export function LineChart({
  x,
  series,
  xLabel,
  height = 240,
  label,
}: {
  x: number[];
  series: ChartSeries[];
  xLabel: string;
  height?: number;
  /** Names the chart for screen readers. */
  label: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('|');

  // biome-ignore lint/correctness/useExhaustiveDependencies: the chart is rebuilt only when its series change
  useEffect(() => {
    const element = container.current!;
    const options: uPlot.Options = {
      width: element.clientWidth || 600,
      height,
      scales: { x: { time: false } },
      axes: [{ label: xLabel }, {}],
      series: [
        { label: xLabel },
        ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: true })),
      ],
    };
    plot.current = new uPlot(options, [x, ...series.map((s) => s.values)], element);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: element.clientWidth, height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, height, xLabel]);

  useEffect(() => {
    plot.current?.setData([x, ...series.map((s) => s.values)]);
  }, [x, series]);

  return <div ref={container} className="chart" role="img" aria-label={label} data-points={x.length} />;
}
