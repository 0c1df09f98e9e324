// Form rules, in Russian, shared by the steps and their tests. The server checks the same again.
import { z } from 'zod';

// No compiled validators: zod's probe for them runs `new Function`, which the app's CSP
// (script-src 'self', no 'unsafe-eval') refuses and reports on every wizard screen.
z.config({ jitless: true });

const required = (msg: string) => z.string().trim().min(1, msg);

export function normalizePhone(value: string): string | null {
  const digits = value.replace(/\D/g, '');
  if (digits.length === 11 && (digits.startsWith('7') || digits.startsWith('8'))) return `+7${digits.slice(1)}`;
  if (digits.length === 10 && digits.startsWith('9')) return `+7${digits}`;
  return null;
}

export const profileSchema = z.object({
  name: z.string().trim().min(2, 'Введите имя полностью').max(200, 'Слишком длинно'),
  phone: z
    .string()
    .trim()
    .refine((v) => normalizePhone(v) !== null, 'Телефон в формате +7 900 000-00-00'),
  email: z.union([z.literal(''), z.email('Некорректный e-mail')]),
  address: z.object({
    postal_code: z.string().trim().regex(/^\d{6}$/, 'Индекс — 6 цифр'),
    region: required('Укажите регион'),
    city: required('Укажите город или населённый пункт'),
    street: required('Укажите улицу'),
    house: required('Укажите дом'),
    building: z.string().trim(),
    apartment: z.string().trim(),
  }),
});
export type ProfileValues = z.infer<typeof profileSchema>;

export const PROFILE_FIELDS = [
  'name',
  'phone',
  'email',
  'address.postal_code',
  'address.region',
  'address.city',
  'address.street',
  'address.house',
  'address.building',
  'address.apartment',
] as const;

function parseDate(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const d = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

function yearsBetween(from: Date, to: Date): number {
  let years = to.getUTCFullYear() - from.getUTCFullYear();
  const m = to.getUTCMonth() - from.getUTCMonth();
  if (m < 0 || (m === 0 && to.getUTCDate() < from.getUTCDate())) years -= 1;
  return years;
}

function addYears(d: Date, years: number): Date {
  const out = new Date(Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate()));
  // 29 February → 28 February in a year without it (as the server does).
  if (out.getUTCMonth() !== d.getUTCMonth()) out.setUTCDate(0);
  return out;
}

const GRACE_MS = 90 * 24 * 3600 * 1000;

/** The age at which the passport had to be replaced (20, 45) if its 90 days are over. */
export function passportExpiredAt(birth: Date, issue: Date, today: Date): number | null {
  for (const age of [20, 45]) {
    const birthday = addYears(birth, age);
    if (issue < birthday && today.getTime() > birthday.getTime() + GRACE_MS) return age;
  }
  return null;
}

/** Digits as printed: «45 10» is the series 4510. */
const printedDigits = (n: number, message: string) =>
  z
    .string()
    .transform((v) => v.replace(/\s/g, ''))
    .pipe(z.string().regex(new RegExp(`^\\d{${n}}$`), message));

export function makePassportSchema(today: Date = new Date()) {
  return z
    .object({
      series: printedDigits(4, 'Серия — 4 цифры'),
      number: printedDigits(6, 'Номер — 6 цифр'),
      issued_by: z.string().trim().min(3, 'Укажите, кем выдан паспорт'),
      issue_date: z.string().refine((v) => parseDate(v) !== null, 'Укажите дату выдачи'),
      department_code: z.string().trim().regex(/^\d{3}-\d{3}$/, 'Код подразделения в формате 000-000'),
      birth_date: z.string().refine((v) => parseDate(v) !== null, 'Укажите дату рождения'),
      birth_place: z.string().trim().min(2, 'Укажите место рождения'),
    })
    .superRefine((v, ctx) => {
      const birth = parseDate(v.birth_date);
      const issue = parseDate(v.issue_date);
      if (birth && birth > today) {
        ctx.addIssue({ code: 'custom', path: ['birth_date'], message: 'Дата рождения в будущем' });
      } else if (birth && yearsBetween(birth, today) > 120) {
        ctx.addIssue({ code: 'custom', path: ['birth_date'], message: 'Проверьте год рождения' });
      }
      if (issue && issue > today) {
        ctx.addIssue({ code: 'custom', path: ['issue_date'], message: 'Дата выдачи в будущем' });
      } else if (issue && birth && issue < birth) {
        ctx.addIssue({ code: 'custom', path: ['issue_date'], message: 'Дата выдачи раньше даты рождения' });
      } else if (issue && birth && yearsBetween(birth, issue) < 14) {
        ctx.addIssue({ code: 'custom', path: ['issue_date'], message: 'Паспорт выдаётся с 14 лет' });
      } else if (issue && birth) {
        const age = passportExpiredAt(birth, issue, today);
        if (age !== null) {
          ctx.addIssue({
            code: 'custom',
            path: ['issue_date'],
            message: `Паспорт недействителен: в ${age} лет его нужно было заменить`,
          });
        }
      }
    });
}
export type PassportValues = z.infer<ReturnType<typeof makePassportSchema>>;
export const PASSPORT_FIELDS = [
  'series',
  'number',
  'issued_by',
  'issue_date',
  'department_code',
  'birth_date',
  'birth_place',
] as const;

/** "123456" → "123-456" as the manager types. */
export function formatDepartmentCode(value: string): string {
  const digits = value.replace(/\D/g, '').slice(0, 6);
  return digits.length > 3 ? `${digits.slice(0, 3)}-${digits.slice(3)}` : digits;
}

export const DEVICE_KINDS: { value: string; label: string }[] = [
  { value: 'phone', label: 'Телефон' },
  { value: 'tablet', label: 'Планшет' },
  { value: 'laptop', label: 'Ноутбук' },
  { value: 'computer', label: 'Компьютер' },
  { value: 'tv', label: 'Телевизор' },
  { value: 'appliance', label: 'Бытовая техника' },
  { value: 'other', label: 'Другое' },
];

export const DEVICE_CONDITIONS: { value: string; label: string }[] = [
  { value: 'ok', label: 'Исправно' },
  { value: 'damaged', label: 'Есть повреждения' },
  { value: 'dead', label: 'Не включается' },
];

export function makeDeviceSchema(today: Date = new Date()) {
  return z.object({
    kind: z.string().min(1, 'Выберите тип'),
    brand: z.string().trim().min(1, 'Укажите производителя'),
    model: z.string().trim().min(1, 'Укажите модель'),
    serial_number: z.string().trim().max(100, 'Слишком длинно'),
    purchase_date: z
      .string()
      .refine((v) => v === '' || (parseDate(v) !== null && (parseDate(v) as Date) <= today), 'Дата покупки не может быть в будущем'),
    declared_value: z
      .string()
      .trim()
      .transform((v) => v.replace(/\s/g, '').replace(',', '.'))
      .refine((v) => /^\d{1,10}(\.\d{1,2})?$/.test(v), 'Стоимость в рублях, например 1490 или 1490,50'),
    condition: z.enum(['ok', 'damaged', 'dead']),
    condition_note: z.string().trim().max(500, 'Не больше 500 символов'),
  });
}
export type DeviceValues = z.input<ReturnType<typeof makeDeviceSchema>>;
export const DEVICE_FIELDS = [
  'kind',
  'brand',
  'model',
  'serial_number',
  'purchase_date',
  'declared_value',
  'condition',
  'condition_note',
] as const;

/** "1490" → "1490.00": money goes to the API as a decimal string. */
export function toDecimalString(value: string): string {
  const [int, frac = ''] = value.replace(/\s/g, '').replace(',', '.').split('.');
  return `${int || '0'}.${(frac + '00').slice(0, 2)}`;
}
