import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors';
import { otpFailure } from './contractState';

describe('otpFailure', () => {
  it('reports the attempts left on a wrong code', () => {
    const f = otpFailure(new ApiError({ status: 422, code: 'otp_invalid', detail: 'bad', attempts_left: 3 }));
    expect(f).toMatchObject({ locked: false, attemptsLeft: 3, message: 'Неверный код.' });
  });
  it('recognises a locked contract by status or code', () => {
    expect(otpFailure(new ApiError({ status: 423, detail: 'locked' })).locked).toBe(true);
    expect(otpFailure(new ApiError({ status: 409, code: 'contract_locked' })).locked).toBe(true);
    expect(otpFailure(new ApiError({ status: 400, code: 'otp_invalid', attempts_left: 0 })).locked).toBe(true);
  });
  it('tells an expired code apart', () => {
    expect(otpFailure(new ApiError({ status: 400, code: 'otp_expired' })).expired).toBe(true);
  });
});
