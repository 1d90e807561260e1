/** --until takes an ISO time (with offset); --for a duration such as 90m or 2h. */
export function untilFrom(until: string | undefined, span: string | undefined, now = new Date()): Date | null {
  if (until) {
    const at = new Date(until);
    if (Number.isNaN(at.getTime())) throw new Error(`--until: not a time: ${until} (use e.g. 2026-11-25T08:00:00+08:00)`);
    return at;
  }
  const m = /^(\d+)\s*(m|min|h|d)$/.exec(span ?? '');
  if (!m) {
    if (span) throw new Error(`--for: not a duration: ${span} (use e.g. 90m, 2h, 1d)`);
    return null;
  }
  const unitMs = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'min' | 'h' | 'd'];
  return new Date(now.getTime() + Number(m[1]) * unitMs);
}

