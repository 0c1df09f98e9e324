import { useState } from 'react';

/** A password the API made: shown once, with a copy button; gone when dismissed. */
export function OneTimePassword({ who, password, onDone }: { who: string; password: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(password);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="banner banner--ok otp-password" role="status" data-testid="one-time-password">
      <div>
        <p>
          Пароль для <strong>{who}</strong> показан один раз: передайте его менеджеру. Потом его увидеть нельзя.
        </p>
        <code className="otp-password__value" data-testid="one-time-password-value">
          {password}
        </code>
      </div>
      <div className="otp-password__actions">
        <button type="button" className="btn btn--small" onClick={() => void copy()}>
          {copied ? 'Скопировано' : 'Скопировать'}
        </button>
        <button type="button" className="btn btn--small" onClick={onDone} data-testid="one-time-password-done">
          Готово
        </button>
      </div>
    </div>
  );
}
