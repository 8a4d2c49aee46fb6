// Hour, day and month stamps in the configured time zone (the original defaults to UTC+8).

export interface PeriodStamps {
  hourly: string;
  daily: string;
  monthly: string;
}

export function periodStamps(at: number, offsetHours: number): PeriodStamps {
  const shifted = new Date(at + offsetHours * 3_600_000).toISOString();
  const day = shifted.slice(0, 10);
  return { hourly: `${day}:${shifted.slice(11, 13)}`, daily: day, monthly: shifted.slice(0, 7) };
}
