/**
 * The one source of "now" for routing decisions, so that tests and demos can
 * start the hotline at a chosen instant (HOTLINE_NOW) without faking timers.
 */
export interface Clock {
  /** The current instant. */
  now(): Date;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date() };

/**
 * A clock that reads `startIso` at the moment it is created and then runs on
 * in real time: a frozen clock would stop ring timeouts, deadlines and the
 * day/night switch from ever moving. Without `startIso` (or with an empty
 * one) this is the system clock.
 *
 * @param startIso ISO 8601 instant with offset, e.g. '2026-11-24T23:00:00+08:00'.
 * @param onOverride Called once, at creation, when the start instant is used,
 *   so the caller can warn that the service is not running on real time.
 * @throws RangeError when `startIso` is not a date-time.
 */
export function createClock(startIso?: string, onOverride?: (startIso: string) => void): Clock {
  if (startIso === undefined || startIso === '') return systemClock;
  const start = Date.parse(startIso);
  if (Number.isNaN(start)) throw new RangeError(`clock start is not a date-time: "${startIso}"`);
  // Offset from Date.now(), not a private timer: it follows fake timers in tests.
  const offsetMs = start - Date.now();
  onOverride?.(startIso);
  return { now: () => new Date(Date.now() + offsetMs) };
}
