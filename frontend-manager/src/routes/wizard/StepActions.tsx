import { ErrorBanner } from '../../components/Field';

export function SaveError({
  error,
  stale,
  onRefresh,
  onRetry,
}: {
  error: string | null;
  stale: boolean;
  onRefresh: () => void;
  onRetry: () => void;
}) {
  if (!error) return null;
  return (
    <ErrorBanner
      message={stale ? `${error} Введённые данные сохранены на экране.` : error}
      onRetry={stale ? onRefresh : onRetry}
      testId="save-error"
    />
  );
}
