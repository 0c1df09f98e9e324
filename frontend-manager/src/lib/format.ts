const moneyFmt = new Intl.NumberFormat('ru-RU', {
  style: 'currency',
  currency: 'RUB',
  minimumFractionDigits: 2,
});

/** Money arrives as a decimal string; shown with the ruble sign, never summed as floats here. */
export function money(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const n = Number(value);
  return Number.isFinite(n) ? moneyFmt.format(n) : String(value);
}

const monthForms = new Intl.PluralRules('ru-RU');
const MONTH: Record<string, string> = { one: 'месяц', few: 'месяца', many: 'месяцев', other: 'месяца' };

/** What a subscription's price is for: «в месяц», «за 3 месяца», «за 12 месяцев». */
export function perPeriod(months: number | null | undefined): string {
  if (!months || months < 1) return '';
  if (months === 1) return 'в месяц';
  return `за ${months}\u00a0${MONTH[monthForms.select(months)]}`; // «12 месяцев» never split
}

/** A subscription's price with its period, «990,00 ₽ за 12 месяцев» (just the sum without one). */
export function moneyFor(value: string | number | null | undefined, months: number | null | undefined): string {
  const period = perPeriod(months);
  return period ? `${money(value)} ${period}` : money(value);
}

export function isPositiveAmount(value: string | null | undefined): boolean {
  if (!value) return false;
  return Number(value) > 0;
}

const dateTimeFmt = new Intl.DateTimeFormat('ru-RU', {
  timeZone: 'Europe/Moscow',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

export function moscowDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTimeFmt.format(d);
}

/** Wizard step from the API's current_step ("1".."4", 1..4 or "success"). */
export function stepPath(clientId: string | number, step: string | number | null | undefined): string {
  const s = step === null || step === undefined ? '1' : String(step);
  const valid = ['1', '2', '3', '4', 'success'].includes(s) ? s : '1';
  return `/clients/${clientId}/step/${valid}`;
}

/** Only same-app paths are followed after login, never another origin. */
export function safeNext(next: string | null): string {
  if (next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login')) return next;
  return '/clients?tab=new';
}

/** A Russian phone as people write it, «+7 916 630-83-37»; anything else as it is. (Stored as
 * +7XXXXXXXXXX: this is only how it is shown.) */
export function formatPhone(value: string | null | undefined): string {
  if (!value) return '';
  const digits = value.replace(/\D/g, '');
  const national = digits.length === 11 && /^[78]/.test(digits) ? digits.slice(1) : digits.length === 10 ? digits : null;
  if (!national) return value;
  return `+7 ${national.slice(0, 3)} ${national.slice(3, 6)}-${national.slice(6, 8)}-${national.slice(8)}`;
}
