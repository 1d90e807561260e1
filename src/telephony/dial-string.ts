/**
 * Turns a configured target into an Asterisk dial string: a phone name is a
 * PJSIP endpoint ("duty1" → PJSIP/duty1), "tel:<number>" goes out through the
 * trunk (PJSIP/<number>@trunk).
 */
export function dialString(target: string): string {
  if (target.startsWith('tel:')) return `PJSIP/${target.slice(4)}@trunk`;
  return `PJSIP/${target}`;
}
