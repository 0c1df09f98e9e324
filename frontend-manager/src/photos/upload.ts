// Sends a file straight to storage with the instructions from the API, reporting progress.
import { getToken } from '../api/auth';
import type { UploadInstructions } from '../api/types';

export class UploadFailed extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'UploadFailed';
    this.status = status;
  }
}

function storageMessage(status: number, body: string): string {
  if (status === 413 || /EntityTooLarge|too large|больш/i.test(body)) {
    return 'Фото больше допустимого размера — хранилище его не приняло.';
  }
  if (status === 403) return 'Ссылка для загрузки истекла или не подходит. Повторите.';
  if (status === 0) return 'Нет связи с хранилищем. Загрузка будет повторена.';
  return `Хранилище ответило ошибкой ${status}. Повторите.`;
}

export function uploadToStorage(
  instructions: UploadInstructions['upload'],
  blob: Blob,
  contentType: string,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const url = new URL(instructions.url, window.location.origin);
    xhr.open(instructions.method, url.toString());
    let body: Blob | FormData;
    if (instructions.method === 'POST') {
      const form = new FormData();
      // S3 POST policies: every field first, the file last.
      for (const [k, v] of Object.entries(instructions.fields ?? {})) form.append(k, v);
      form.append('file', blob, 'photo.jpg');
      body = form;
    } else {
      const headers = instructions.headers ?? {};
      for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        xhr.setRequestHeader('Content-Type', contentType);
      }
      body = blob;
    }
    // The local storage backend is the API itself; it may want to know who is uploading.
    const token = getToken();
    if (url.origin === window.location.origin && url.pathname.startsWith('/api/') && token) {
      xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    }
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else {
        reject(new UploadFailed(storageMessage(xhr.status, xhr.responseText ?? ''), xhr.status));
      }
    };
    xhr.onerror = () => reject(new UploadFailed(storageMessage(0, ''), 0));
    xhr.onabort = () => reject(new UploadFailed('Загрузка отменена.', 0));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(body);
  });
}
