import { describe, expect, it, vi } from 'vitest';
import { backoffDelay, isTransientDbError, withRetry } from '../../../src/db/retry.ts';

const withCode = (code: string, message = 'boom'): Error => Object.assign(new Error(message), { code });

describe('isTransientDbError', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'])('recognises socket error %s', (code) => {
    expect(isTransientDbError(withCode(code))).toBe(true);
  });

  it.each(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004'])(
    'recognises SQLSTATE %s',
    (code) => {
      expect(isTransientDbError(withCode(code))).toBe(true);
    },
  );

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'Connection terminated',
    'the database system is starting up',
    'timeout exceeded when trying to connect',
  ])('recognises the message "%s"', (message) => {
    expect(isTransientDbError(new Error(message))).toBe(true);
  });

  it('looks into AggregateError members and cause chains', () => {
    expect(isTransientDbError(new AggregateError([withCode('ECONNREFUSED')], 'connect failed'))).toBe(true);
    expect(isTransientDbError(new Error('migration failed', { cause: withCode('57P01') }))).toBe(true);
  });

  it.each([
    ['unique violation', withCode('23505')],
    ['syntax error', withCode('42601')],
    ['undefined table', withCode('42P01')],
    ['serialization failure (retry the transaction, not the connection)', withCode('40001')],
    ['transaction resolution unknown (may have committed)', withCode('08007')],
    ['plain error', new Error('something else')],
  ])('does not treat %s as transient', (_name, err) => {
    expect(isTransientDbError(err)).toBe(false);
  });

  it('copes with values that are not errors', () => {
    for (const v of [undefined, null, 'ECONNREFUSED', 42, {}]) expect(isTransientDbError(v)).toBe(false);
    const loop: { cause?: unknown } = {};
    loop.cause = loop;
    expect(isTransientDbError(loop)).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, with jitter in the upper half', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 100, 1000, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 100, 1000, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(3, 100, 1000);
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
    expect(backoffDelay(5000, 100, 1000, () => 1)).toBe(1000);
  });
});

describe('withRetry', () => {
  const transient = (): Error => withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432');
  const fast = { baseDelayMs: 1, maxDelayMs: 5 };

  it('returns the first success and reports each retry', async () => {
    const onRetry = vi.fn();
    let calls = 0;
    const result = await withRetry(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw transient();
        return 'ok';
      },
      { attempts: 5, ...fast, onRetry },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(onRetry.mock.calls.map((c) => c[1])).toEqual([1, 2]);
    expect(onRetry.mock.calls[0]![0]).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('gives up after the given number of attempts with the last error', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw withCode('57P03', `starting up ${calls}`);
        },
        { attempts: 3, ...fast },
      ),
    ).rejects.toThrow('starting up 3');
    expect(calls).toBe(3);
  });

  it('does not retry errors that are not retryable', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw withCode('23505', 'duplicate key');
        },
        { attempts: 5, ...fast },
      ),
    ).rejects.toThrow('duplicate key');
    expect(calls).toBe(1);
  });

  it('uses a custom isRetryable', async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        if (++calls < 2) throw new Error('flaky');
        return calls;
      },
      { attempts: 3, ...fast, isRetryable: (e) => (e as Error).message === 'flaky' },
    );
    expect(result).toBe(2);
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    let calls = 0;
    const started = Date.now();
    const run = withRetry(
      async () => {
        calls++;
        throw transient();
      },
      { attempts: Infinity, baseDelayMs: 10_000, maxDelayMs: 10_000, signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await expect(run).rejects.toThrow('shutting down');
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('does not start when the signal is already aborted', async () => {
    const fn = vi.fn(async () => 1);
    await expect(withRetry(fn, { attempts: 3, ...fast, signal: AbortSignal.abort() })).rejects.toThrow();
    expect(fn).not.toHaveBeenCalled();
  });

  it('validates its options', async () => {
    await expect(withRetry(async () => 1, { attempts: 0, ...fast })).rejects.toThrow(RangeError);
    await expect(withRetry(async () => 1, { attempts: 2.5, ...fast })).rejects.toThrow(RangeError);
    await expect(withRetry(async () => 1, { attempts: 2, baseDelayMs: 10, maxDelayMs: 5 })).rejects.toThrow(RangeError);
  });
});
