// Usage series (/usage/series, daily stats) → uPlot's columns. Period stamps are wall-clock times
// in the relay's time zone; they are placed on the axis as if UTC and the chart labels in UTC,
// so an hour reads as the relay's hour whatever the browser's zone.

export function stampToSeconds(stamp: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?::(\d{2}))?$/.exec(stamp);
  if (!match) return null;
  const [, y, mo, d, h] = match;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0)) / 1000;
}

export interface SeriesColumns {
  x: number[];
  ys: number[][];
}

/** Columns for the given fields; points with unreadable stamps are dropped. */
export function toColumns<T extends Record<K, number>, K extends string>(
  points: readonly (T & { period?: string; date?: string })[],
  fields: readonly K[],
): SeriesColumns {
  const x: number[] = [];
  const ys: number[][] = fields.map(() => []);
  for (const point of points) {
    const seconds = stampToSeconds(point.period ?? point.date ?? "");
    if (seconds === null) continue;
    x.push(seconds);
    fields.forEach((field, i) => {
      ys[i]?.push(point[field]);
    });
  }
  return { x, ys };
}
