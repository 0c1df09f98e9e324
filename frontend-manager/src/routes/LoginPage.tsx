import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { setSession, useAuth } from '../api/auth';
import { login } from '../api/endpoints';
import { ApiError, applyServerErrors, describeError } from '../api/errors';
import { ErrorBanner, Field } from '../components/Field';
import { safeNext } from '../lib/format';

interface LoginForm {
  email: string;
  password: string;
}

export function LoginPage() {
  const { status } = useAuth();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get('next'));
  const [formError, setFormError] = useState<string | null>(null);
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors, isSubmitting },
  } = useForm<LoginForm>({ defaultValues: { email: '', password: '' } });

  if (status === 'authenticated') return <Navigate to={next} replace />;

  const onSubmit = handleSubmit(async (values) => {
    setFormError(null);
    try {
      setSession(await login(values.email.trim(), values.password));
      navigate(next, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setFormError('Неверный e-mail или пароль.');
      } else if (err instanceof ApiError && err.status === 429) {
        setFormError(describeError(err));
      } else {
        setFormError(applyServerErrors(err, ['email', 'password'], setError));
      }
    }
  });

  return (
    <main className="login" id="main">
      <form className="card login__card" onSubmit={onSubmit} noValidate aria-labelledby="login-title">
        <h1 id="login-title" className="login__title">
          Привет Менеджер
        </h1>
        <p className="muted">Войдите, чтобы оформлять клиентов</p>
        <ErrorBanner message={formError} testId="login-error" />
        <Field label="E-mail" error={errors.email?.message}>
          {(a) => (
            <input
              {...a}
              type="email"
              autoComplete="username"
              inputMode="email"
              autoFocus
              data-testid="login-email"
              {...register('email', {
                required: 'Введите e-mail',
                pattern: { value: /^\S+@\S+\.\S+$/, message: 'Некорректный e-mail' },
              })}
            />
          )}
        </Field>
        <Field label="Пароль" error={errors.password?.message}>
          {(a) => (
            <input
              {...a}
              type="password"
              autoComplete="current-password"
              data-testid="login-password"
              {...register('password', { required: 'Введите пароль' })}
            />
          )}
        </Field>
        <button type="submit" className="btn btn--primary btn--block" disabled={isSubmitting} data-testid="login-submit">
          {isSubmitting ? 'Входим…' : 'Войти'}
        </button>
      </form>
    </main>
  );
}
