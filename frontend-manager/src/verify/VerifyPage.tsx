// /verify/:number — the page the QR code on every contract page opens. No login: anyone can
// see the contract's public status and check a file. The browser hashes the file itself
// (WebCrypto) and sends only the SHA-256; the file never leaves the device.
import { useEffect, useState } from 'react';
import { useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { ApiError, describeError } from '../api/errors';
import { moscowDateTime } from '../lib/format';
import { checkHash, getPublicContract, type Match, type PublicContract } from './api';
import { canHash, sha256Hex } from './sha256';
import './verify.css';

type Check =
  | { state: 'idle' }
  | { state: 'hashing'; file: string }
  | { state: 'done'; file: string; sha256: string; match: Match }
  | { state: 'failed'; file: string; message: string };

function statusText(contract: PublicContract): { title: string; detail: string } {
  switch (contract.status) {
    case 'signed': {
      const seal = contract.sealed
        ? contract.timestamped
          ? ' Подписанный экземпляр заверен электронной печатью организации с меткой времени.'
          : ' Подписанный экземпляр заверен электронной печатью организации.'
        : '';
      return {
        title: 'Договор подписан',
        detail: `Клиент подписал договор простой электронной подписью ${moscowDateTime(contract.signed_at)} (время московское).${seal}`,
      };
    }
    case 'awaiting_signature':
      return { title: 'Ожидает подписи', detail: 'Договор сформирован и ещё не подписан клиентом.' };
    case 'void':
      return { title: 'Аннулирован', detail: 'Договор не был подписан и не действует.' };
    default:
      return { title: 'Не подписан', detail: 'Подписание договора заблокировано; договор не действует.' };
  }
}

/** A contract number never breaks at its hyphens. */
function Num({ value }: { value: string }) {
  return <span className="verify__number">{value}</span>;
}

function Verdict({ check, number, signed }: { check: Check; number: string; signed: boolean }) {
  if (check.state === 'idle') return null;
  if (check.state === 'hashing') return <p className="muted">Проверяем «{check.file}»…</p>;
  if (check.state === 'failed') {
    return (
      <div className="verdict verdict--error" data-testid="verify-verdict" data-match="error">
        <p className="verdict__title">Не удалось проверить файл</p>
        <p>{check.message}</p>
      </div>
    );
  }
  const texts: Record<Match, { kind: string; title: string; detail: string }> = {
    signed: {
      kind: 'ok',
      title: 'Документ подлинный: это подписанный экземпляр договора №',
      detail: 'Файл совпадает байт в байт с экземпляром, сохранённым при подписании.',
    },
    original: {
      kind: 'info',
      title: 'Это исходный экземпляр договора №',
      detail: signed
        ? 'Файл совпадает с договором, который клиент видел до подписания. Подписанный экземпляр содержит ещё лист подписания.'
        : 'Файл совпадает с договором, сформированным для подписания.',
    },
    none: {
      kind: 'error',
      title: 'Файл не совпадает с договором №',
      detail: 'Файл изменён или это другой документ. Подлинным является только файл без каких-либо изменений.',
    },
  };
  const t = texts[check.match];
  return (
    <div className={`verdict verdict--${t.kind}`} data-testid="verify-verdict" data-match={check.match}>
      <p className="verdict__title">
        <span aria-hidden="true">{t.kind === 'error' ? '✗ ' : '✓ '}</span>
        {t.title} <Num value={number} />
      </p>
      <p>{t.detail}</p>
      <p className="verdict__file">
        Файл: {check.file}
        <br />
        SHA-256: <code>{check.sha256}</code>
      </p>
    </div>
  );
}

function FileCheck({ number, signed }: { number: string; signed: boolean }) {
  const [check, setCheck] = useState<Check>({ state: 'idle' });
  const [dragging, setDragging] = useState(false);

  const verify = async (file: File) => {
    setCheck({ state: 'hashing', file: file.name });
    try {
      const sha256 = await sha256Hex(await file.arrayBuffer());
      const { match } = await checkHash(number, sha256);
      setCheck({ state: 'done', file: file.name, sha256, match });
    } catch (err) {
      setCheck({ state: 'failed', file: file.name, message: describeError(err) });
    }
  };

  if (!canHash()) {
    return (
      <p className="banner banner--error" role="alert">
        Этот браузер не может вычислить контрольную сумму файла на этой странице (нужно защищённое
        соединение https). Откройте ссылку из QR-кода в другом браузере.
      </p>
    );
  }
  return (
    <section className="card verify__check" aria-labelledby="verify-check-title">
      <h2 id="verify-check-title">Проверить файл</h2>
      <p className="muted">
        Выберите PDF договора. Файл не покидает устройство: браузер вычисляет его контрольную сумму
        SHA-256 и отправляет только её.
      </p>
      <div
        className={`dropzone${dragging ? ' dropzone--active' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          const file = e.dataTransfer.files[0];
          if (file) void verify(file);
        }}
      >
        <label className="btn btn--primary btn--file">
          <input
            type="file"
            accept="application/pdf,.pdf"
            className="visually-hidden"
            data-testid="verify-file"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void verify(file);
              e.target.value = '';
            }}
          />
          Выбрать файл PDF
        </label>
        <span className="muted dropzone__hint">или перетащите его сюда</span>
      </div>
      <div role="status" aria-live="polite">
        <Verdict check={check} number={number} signed={signed} />
      </div>
    </section>
  );
}

export default function VerifyPage() {
  const { number = '' } = useParams();
  const contract = useQuery({
    queryKey: ['public-contract', number],
    queryFn: () => getPublicContract(number),
    staleTime: 60_000,
  });
  useEffect(() => {
    const before = document.title;
    document.title = `Проверка договора № ${number} — Привет Супер`;
    return () => {
      document.title = before;
    };
  }, [number]);

  const notFound = contract.error instanceof ApiError && contract.error.status === 404;
  return (
    <div className="layout verify">
      <header className="app-header">
        <span className="app-header__brand">Привет Супер</span>
      </header>
      <main id="main" className="page verify__page">
        <h1>
          Проверка договора № <Num value={number} />
        </h1>
        {contract.isPending ? <p className="muted">Загружаем сведения о договоре…</p> : null}
        {notFound ? (
          <p className="banner banner--error" role="alert" data-testid="verify-not-found">
            Договор № {number} не найден. Проверьте номер в адресе страницы или отсканируйте QR-код
            ещё раз.
          </p>
        ) : contract.error ? (
          <div className="banner banner--error" role="alert">
            <span>{describeError(contract.error)}</span>
            <button type="button" className="btn btn--small" onClick={() => void contract.refetch()}>
              Повторить
            </button>
          </div>
        ) : null}
        {contract.data ? (
          <>
            <section className="card verify__status" data-testid="verify-status" data-status={contract.data.status}>
              <p className={`verify__badge verify__badge--${contract.data.status}`}>{statusText(contract.data).title}</p>
              <p>{statusText(contract.data).detail}</p>
            </section>
            <FileCheck number={contract.data.number} signed={contract.data.status === 'signed'} />
          </>
        ) : null}
        <p className="muted verify__note">
          Сведения о клиенте на этой странице не показываются.
        </p>
      </main>
    </div>
  );
}
