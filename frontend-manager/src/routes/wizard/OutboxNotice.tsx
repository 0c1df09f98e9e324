import { useEffect, useState } from 'react';
import type { ClientCard } from '../../api/types';
import { queuedValues, useOutbox } from '../../offline/outbox';
import { formatPhone } from '../../lib/format';

const LABELS: Record<string, string> = {
  name: 'ФИО',
  phone: 'Телефон',
  email: 'E-mail',
  'address.postal_code': 'Индекс',
  'address.region': 'Регион',
  'address.city': 'Город',
  'address.street': 'Улица',
  'address.house': 'Дом',
  'address.building': 'Корпус',
  'address.apartment': 'Квартира',
  series: 'Серия паспорта',
  number: 'Номер паспорта',
  issued_by: 'Кем выдан',
  issue_date: 'Дата выдачи',
  department_code: 'Код подразделения',
  birth_date: 'Дата рождения',
  birth_place: 'Место рождения',
};

type Flat = Record<string, string>;

function flatten(value: unknown, prefix = ''): Flat {
  const out: Flat = {};
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === 'object') Object.assign(out, flatten(v, key));
      else out[key] = v == null ? '' : String(v);
    }
  }
  return out;
}

/** The server's current values of a step, in the shape the outbox keeps. */
function serverValues(card: ClientCard, step: string): Flat {
  if (step === '1') return flatten({ name: card.profile?.name, phone: card.profile?.phone, email: card.profile?.email, address: card.address });
  return flatten(card.passport ?? {});
}

const show = (key: string, v: string) => (key === 'phone' ? formatPhone(v) : v) || '—';

/**
 * A step saved without a connection: «Сохранится, когда появится связь», or, when the server
 * refused it on replay (someone changed the client meanwhile), what is different now. The
 * typed values stay in the form (its draft); saving again sends them against the new version.
 */
export function OutboxNotice({ clientId, step, card }: { clientId: string; step: string; card: ClientCard }) {
  const entry = useOutbox().find((e) => e.clientId === clientId && e.step === step);
  const [changes, setChanges] = useState<{ key: string; mine: string; theirs: string }[]>([]);
  const failed = entry?.failure ?? null;

  useEffect(() => {
    if (!failed) return undefined;
    let live = true;
    void queuedValues<unknown>(clientId, step).then((mine) => {
      if (!live || !mine) return;
      const typed = flatten(mine);
      const current = serverValues(card, step);
      setChanges(
        Object.keys(typed)
          .filter((k) => k in LABELS && k in current && typed[k] !== current[k])
          .map((k) => ({ key: k, mine: typed[k], theirs: current[k] })),
      );
    });
    return () => {
      live = false;
    };
  }, [failed, clientId, step, card]);

  if (!entry) return null;
  if (!failed) {
    return (
      <p className="banner banner--pending" role="status" data-testid="outbox-pending">
        Сохранится, когда появится связь.
      </p>
    );
  }
  return (
    <div className="banner banner--error" role="alert" data-testid="outbox-conflict">
      <div>
        <p>
          <strong>Не сохранено:</strong>{' '}
          {failed.status === 409
            ? 'пока не было связи, данные клиента изменились на сервере.'
            : failed.detail || `сервер ответил ошибкой ${failed.status}.`}{' '}
          Ваш ввод остался в форме — проверьте и сохраните снова.
        </p>
        {changes.length ? (
          <ul data-testid="outbox-changes">
            {changes.map((c) => (
              <li key={c.key}>
                {LABELS[c.key]}: на сервере «{show(c.key, c.theirs)}», у вас «{show(c.key, c.mine)}»
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </div>
  );
}
