import type { ClientCard, Contract } from '../../api/types';
import { ApiError } from '../../api/errors';

export function isSigned(card: ClientCard, contract: Contract | null | undefined): boolean {
  return contract?.status === 'signed' || card.status === 'signed' || card.status === 'processed';
}

export function isLocked(contract: Contract | null | undefined): boolean {
  return Boolean(contract && /lock|block|void|expired_attempts/i.test(contract.status)) || contract?.otp_attempts_left === 0;
}

/** A contract voided because the client's data changed after it was generated. */
export function isVoidedByChange(contract: Contract | null | undefined): boolean {
  return contract?.status === 'void' && Boolean(contract.void_reason?.startsWith('Данные клиента изменились'));
}

export const DATA_CHANGED = 'Данные клиента изменились: сформируйте договор заново.';

/** What a failed confirm means for the screen. */
export function otpFailure(err: unknown): { locked: boolean; expired: boolean; attemptsLeft: number | null; message: string } {
  if (!(err instanceof ApiError)) {
    return { locked: false, expired: false, attemptsLeft: null, message: 'Нет связи с сервером. Код не отправлен, повторите.' };
  }
  const p = err.problem;
  const code = `${p.code ?? ''}`.toLowerCase();
  const raw = p.attempts_left ?? p.otp_attempts_left;
  const attemptsLeft = typeof raw === 'number' ? raw : null;
  if (code === 'contract_data_changed') {
    return { locked: true, expired: false, attemptsLeft: null, message: DATA_CHANGED };
  }
  const locked = err.status === 423 || code.includes('lock') || attemptsLeft === 0;
  if (locked) {
    return {
      locked: true,
      expired: false,
      attemptsLeft: 0,
      message: 'Договор заблокирован: код введён неверно слишком много раз. Сформируйте договор заново.',
    };
  }
  const expired = err.status === 410 || code.includes('expired');
  if (expired) {
    return { locked: false, expired: true, attemptsLeft, message: 'Срок действия кода истёк. Отправьте новый код.' };
  }
  if (err.status === 429) {
    return { locked: false, expired: false, attemptsLeft, message: p.detail || 'Слишком много попыток, подождите.' };
  }
  // The count has a line of its own under the field («Осталось попыток»): not repeated here.
  return { locked: false, expired: false, attemptsLeft, message: 'Неверный код.' };
}
