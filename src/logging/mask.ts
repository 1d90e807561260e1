/**
 * Masks a phone number for logs: only the last 4 digits stay readable
 * (PRODUCT "Privacy"). Non-digit characters are dropped so that a SIP URI or a
 * formatted number cannot leak more than intended.
 */
export function maskNumber(value: string | null | undefined): string {
  if (!value) return '';
  const digits = value.replace(/\D/g, '');
  if (digits.length === 0) return '***';
  if (digits.length <= 4) return '*'.repeat(digits.length);
  return '*'.repeat(digits.length - 4) + digits.slice(-4);
}

/** A dial target for logs: phone names stay, "tel:" numbers are masked like any number. */
export function maskTarget(target: string): string {
  return target.startsWith('tel:') ? `tel:${maskNumber(target.slice(4))}` : target;
}
