import type { ClientCard } from '../../api/types';

/** What was signed never changes: a signed or processed client is shown, not edited. */
export function isSigned(card: ClientCard): boolean {
  return card.status === 'signed' || card.status === 'processed';
}

/** No editable field, no photo button: someone else's client, or a signed one. */
export function isReadOnly(card: ClientCard): boolean {
  return card.can_edit === false || isSigned(card);
}
