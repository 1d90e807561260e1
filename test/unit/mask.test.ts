import { describe, expect, it } from 'vitest';
import { maskNumber, maskTarget } from '../../src/logging/mask.ts';

describe('maskNumber', () => {
  it('keeps only the last four digits', () => {
    expect(maskNumber('13812345678')).toBe('*******5678');
  });
  it('drops formatting and URI parts', () => {
    expect(maskNumber('sip:+86 138-1234-5678@trunk')).toBe('*********5678');
  });
  it('hides short numbers entirely', () => {
    expect(maskNumber('110')).toBe('***');
    expect(maskNumber('')).toBe('');
    expect(maskNumber('anonymous')).toBe('***');
  });
});

describe('maskTarget', () => {
  it('masks numbers dialled through the trunk and keeps phone names', () => {
    expect(maskTarget('tel:13812345678')).toBe('tel:*******5678');
    expect(maskTarget('duty1')).toBe('duty1');
  });
});
