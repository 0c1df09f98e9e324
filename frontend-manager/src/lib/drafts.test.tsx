import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useForm } from 'react-hook-form';
import { describe, expect, it } from 'vitest';
import { clearAllDrafts, draftKey, loadDraft, removeDraft, saveDraft } from './drafts';
import { usePersistDraft } from './useDraft';

describe('drafts', () => {
  it('round-trips per client and step', () => {
    saveDraft('5', '2', { series: '4510' });
    expect(loadDraft('5', '2')).toEqual({ series: '4510' });
    expect(loadDraft('5', '1')).toBeNull();
    expect(loadDraft('6', '2')).toBeNull();
    removeDraft('5', '2');
    expect(loadDraft('5', '2')).toBeNull();
  });

  it('clears every draft on logout and leaves other keys alone', () => {
    saveDraft('5', '1', { a: 1 });
    saveDraft('9', '2', { b: 2 });
    sessionStorage.setItem('other', 'keep');
    clearAllDrafts();
    expect(sessionStorage.getItem(draftKey('5', '1'))).toBeNull();
    expect(sessionStorage.getItem(draftKey('9', '2'))).toBeNull();
    expect(sessionStorage.getItem('other')).toBe('keep');
  });

  it('survives garbage in storage', () => {
    sessionStorage.setItem(draftKey('1', '1'), '{not json');
    expect(loadDraft('1', '1')).toBeNull();
  });
});

function DraftForm() {
  const { register, watch } = useForm({ defaultValues: loadDraft<{ series: string }>('42', '2') ?? { series: '' } });
  usePersistDraft('42', '2', watch);
  return (
    <label>
      Серия
      <input {...register('series')} />
    </label>
  );
}

describe('usePersistDraft', () => {
  it('keeps what was typed and restores it after a remount (reload)', async () => {
    const user = userEvent.setup();
    const first = render(<DraftForm />);
    await user.type(screen.getByLabelText('Серия'), '4510');
    expect(loadDraft('42', '2')).toEqual({ series: '4510' });
    first.unmount();
    act(() => {
      render(<DraftForm />);
    });
    expect(screen.getByLabelText('Серия')).toHaveValue('4510');
  });
});
