import { isTransientPgError, PG_DEADLOCK_DETECTED, PG_UNIQUE_VIOLATION, retryTransient } from './pg-errors';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });
/** TypeORM wraps the driver's error in a QueryFailedError with `driverError`. */
const wrapped = (code: string) => Object.assign(new Error('query failed'), { driverError: { code } });

describe('retryTransient', () => {
  const noPause = () => 0;

  it('tries a deadlock victim again and answers with the attempt that committed', async () => {
    let calls = 0;
    const result = await retryTransient(
      () => {
        calls += 1;
        return calls < 3 ? Promise.reject(wrapped(PG_DEADLOCK_DETECTED)) : Promise.resolve('done');
      },
      3,
      noPause,
    );
    expect({ result, calls }).toEqual({ result: 'done', calls: 3 });
  });

  it('gives up after the attempts, with the last error', async () => {
    let calls = 0;
    const failing = () => {
      calls += 1;
      return Promise.reject(pgError('40001'));
    };
    await expect(retryTransient(failing, 2, noPause)).rejects.toMatchObject({ code: '40001' });
    expect(calls).toBe(2);
  });

  it('never repeats a failure that is not transient (a unique violation, a domain error)', async () => {
    for (const error of [pgError(PG_UNIQUE_VIOLATION), new Error('PRECONDITION_FAILED')]) {
      let calls = 0;
      await expect(
        retryTransient(
          () => {
            calls += 1;
            return Promise.reject(error);
          },
          3,
          noPause,
        ),
      ).rejects.toBe(error);
      expect(calls).toBe(1);
    }
    expect(isTransientPgError(wrapped('40P01'))).toBe(true);
  });
});
