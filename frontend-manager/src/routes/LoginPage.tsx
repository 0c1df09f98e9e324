import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { setSession, useAuth } from '../api/auth';
import { login } from '../api/endpoints';
import { ApiError, describeError, fieldErrors } from '../api/errors';
import { ErrorBanner, Field } from '../components/Field';
import { safeNext } from '../lib/format';

type Errors = { email?: string; password?: string };

/** Plain state rather than react-hook-form: the first screen loads less code. */
function validate(email: string, password: string): Errors {
  const errors: Errors = {};
  if (!email.trim()) errors.email = 'Введите e-mail';
  else if (!/^\S+@\S+\.\S+$/.test(email.trim())) errors.email = 'Некорректный e-mail';
  if (!password) errors.password = 'Введите пароль';
  return errors;
}

export function LoginPage() {
  const { status } = useAuth();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  if (status === 'authenticated') return <Navigate to={next} replace />;

  const onSubmit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setFormError(null);
    const found = validate(email, password);
    setErrors(found);
    if (found.email || found.password) {
      e.currentTarget.querySelector<HTMLInputElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    setSubmitting(true);
    try {
      setSession(await login(email.trim(), password));
      navigate(next, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setFormError('Неверный e-mail или пароль.');
      } else if (err instanceof ApiError && err.status === 422) {
        const { byField, rest } = fieldErrors(err.problem.errors, ['email', 'password']);
        setErrors(byField);
        setFormError(rest.length ? rest.join(' ') : null);
      } else {
        setFormError(describeError(err));
      }
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <main className="login" id="main">
      <form className="card login__card" onSubmit={(e) => void onSubmit(e)} noValidate aria-labelledby="login-title">
        <h1 id="login-title" className="login__title">
          Привет Менеджер
        </h1>
        <p className="muted">Войдите, чтобы оформлять клиентов</p>
        <ErrorBanner message={formError} testId="login-error" />
        <Field label="E-mail" error={errors.email}>
          {(a) => (
            <input
              {...a}
              name="email"
              type="email"
              autoComplete="username"
              inputMode="email"
              autoFocus
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              data-testid="login-email"
            />
          )}
        </Field>
        <Field label="Пароль" error={errors.password}>
          {(a) => (
            <input
              {...a}
              name="password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              data-testid="login-password"
            />
          )}
        </Field>
        <button type="submit" className="btn btn--primary btn--block" disabled={submitting} data-testid="login-submit">
          {submitting ? 'Входим…' : 'Войти'}
        </button>
      </form>
    </main>
  );
}
