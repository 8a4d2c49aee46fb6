// Day and week boundaries for cost quotas, in the relay's time zone.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Start (epoch ms) of the day containing `at`, in a zone `offsetHours` from UTC. */
export function dayStart(at: number, offsetHours: number): number {
  const shifted = at + offsetHours * HOUR;
  return shifted - (shifted % DAY) - offsetHours * HOUR;
}

/**
 * Start of the week containing `at` that begins on `resetDay` (1 = Monday … 7 = Sunday) at
 * `resetHour`, as the original's weekly limit does.
 */
export function weekStart(at: number, offsetHours: number, resetDay: number, resetHour: number): number {
  const today = dayStart(at, offsetHours);
  // 1970-01-01 was a Thursday (ISO day 4).
  const isoDay = ((Math.floor((today + offsetHours * HOUR) / DAY) + 3) % 7) + 1;
  let start = today - ((isoDay - resetDay + 7) % 7) * DAY + resetHour * HOUR;
  if (start > at) start -= 7 * DAY;
  return start;
}

export { DAY, HOUR };
