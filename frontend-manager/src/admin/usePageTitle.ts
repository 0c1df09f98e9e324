import { useEffect } from 'react';

/** The document title names the screen (screen readers announce it on navigation). */
export function usePageTitle(title: string): void {
  useEffect(() => {
    const before = document.title;
    document.title = `${title} — Привет Менеджер`;
    return () => {
      document.title = before;
    };
  }, [title]);
}
