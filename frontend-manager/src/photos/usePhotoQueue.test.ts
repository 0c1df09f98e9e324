import { act, renderHook, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as endpoints from '../api/endpoints';
import { ApiError } from '../api/errors';
import * as resize from './resize';
import * as upload from './upload';
import { usePhotoQueue } from './usePhotoQueue';

vi.mock('../api/endpoints', () => ({ photoUploadUrl: vi.fn(), confirmPhoto: vi.fn() }));
vi.mock('./upload', async (orig) => ({ ...(await orig<typeof upload>()), uploadToStorage: vi.fn() }));
vi.mock('./resize', async (orig) => ({ ...(await orig<typeof resize>()), resizePhoto: vi.fn() }));

const api = vi.mocked(endpoints);
const up = vi.mocked(upload);
const rs = vi.mocked(resize);
const INSTRUCTIONS = {
  upload: { method: 'PUT' as const, url: '/api/storage/objects/k', fields: {}, headers: {} },
  file_key: 'k',
  expires_at: '2026-11-23T12:00:00Z',
  max_size: 10 * 1024 * 1024,
};

beforeEach(() => {
  vi.resetAllMocks();
  globalThis.URL.createObjectURL = vi.fn(() => 'blob:x');
  globalThis.URL.revokeObjectURL = vi.fn();
  rs.resizePhoto.mockResolvedValue({ blob: new Blob(['j'], { type: 'image/jpeg' }), width: 1200, height: 900 });
  api.photoUploadUrl.mockResolvedValue(INSTRUCTIONS);
  api.confirmPhoto.mockResolvedValue({} as never);
});

const photo = () => new File(['x'], 'a.jpg', { type: 'image/jpeg' });

describe('usePhotoQueue', () => {
  it('resizes, uploads with progress, confirms and then leaves the queue', async () => {
    up.uploadToStorage.mockImplementation(async (_i, _b, _t, onProgress) => onProgress(0.5));
    const onUploaded = vi.fn();
    const { result } = renderHook(() => usePhotoQueue('7', '3', onUploaded));
    await act(() => result.current.addFiles([photo()]));
    expect(api.photoUploadUrl).toHaveBeenCalledWith('7', '3', 'image/jpeg', 1);
    expect(api.confirmPhoto).toHaveBeenCalledWith('7', '3', 'k');
    expect(onUploaded).toHaveBeenCalled();
    expect(result.current.items).toEqual([]);
  });

  it('keeps a failed upload with its resized file and retries it without resizing again', async () => {
    up.uploadToStorage.mockRejectedValueOnce(new upload.UploadFailed('Нет связи с хранилищем.', 0));
    up.uploadToStorage.mockResolvedValueOnce(undefined);
    const { result } = renderHook(() => usePhotoQueue('7', '3', vi.fn()));
    await act(() => result.current.addFiles([photo()]));
    expect(result.current.items[0]).toMatchObject({ status: 'failed', message: 'Нет связи с хранилищем.' });
    act(() => window.dispatchEvent(new Event('online')));
    await waitFor(() => expect(result.current.items).toEqual([]));
    expect(rs.resizePhoto).toHaveBeenCalledTimes(1);
    expect(up.uploadToStorage).toHaveBeenCalledTimes(2);
  });

  it('confirms the uploaded file again when the confirmation\'s answer was lost, never uploads it twice', async () => {
    up.uploadToStorage.mockResolvedValue(undefined);
    api.confirmPhoto.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    const { result } = renderHook(() => usePhotoQueue('7', '3', vi.fn()));
    await act(() => result.current.addFiles([photo()]));
    expect(result.current.items[0]).toMatchObject({ status: 'failed', fileKey: 'k' });
    act(() => result.current.retryAll());
    await waitFor(() => expect(result.current.items).toEqual([]));
    expect(api.photoUploadUrl).toHaveBeenCalledTimes(1);
    expect(up.uploadToStorage).toHaveBeenCalledTimes(1);
    expect(api.confirmPhoto.mock.calls).toEqual([
      ['7', '3', 'k'],
      ['7', '3', 'k'],
    ]);
  });

  it('uploads anew when the uploaded file is gone before any confirmation', async () => {
    up.uploadToStorage.mockResolvedValue(undefined);
    api.confirmPhoto
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockRejectedValueOnce(new ApiError({ status: 422, code: 'photo_missing', detail: 'Файл не загружен' }));
    const { result } = renderHook(() => usePhotoQueue('7', '3', vi.fn()));
    await act(() => result.current.addFiles([photo()]));
    act(() => result.current.retryAll());
    await waitFor(() => expect(result.current.items).toEqual([]));
    expect(api.photoUploadUrl).toHaveBeenCalledTimes(2);
    expect(api.confirmPhoto).toHaveBeenCalledTimes(3);
  });

  it('refuses for good what the server says is too large', async () => {
    api.photoUploadUrl.mockRejectedValue(
      new ApiError({ status: 422, code: 'photo_too_large', detail: 'Фото больше 10 МБ' }),
    );
    const { result } = renderHook(() => usePhotoQueue('7', '3', vi.fn()));
    await act(() => result.current.addFiles([photo()]));
    expect(result.current.items[0]).toMatchObject({ status: 'rejected' });
    expect(result.current.items[0].message).toContain('Фото больше 10 МБ');
  });
});
