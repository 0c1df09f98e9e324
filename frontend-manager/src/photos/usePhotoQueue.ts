// Per-device upload queue: resize → upload instructions → straight to storage → confirm.
// Failed uploads stay in the queue with their resized file, retried by hand or when the
// connection comes back. The resized files are kept in IndexedDB until they are confirmed:
// a reload or a closed tab loses none, and the queue resumes when the device's card opens.
import { useCallback, useEffect, useRef, useState } from 'react';
import { confirmPhoto, photoUploadUrl } from '../api/endpoints';
import { ApiError, describeError } from '../api/errors';
import { PhotoRejected, resizePhoto } from './resize';
import { UploadFailed, uploadToStorage } from './upload';
import { db, type QueuedPhoto } from '../offline/db';
import { isOnline, reportNetworkFailure, subscribeConnectivity } from '../offline/connectivity';

export type PhotoItemStatus = 'resizing' | 'uploading' | 'confirming' | 'done' | 'failed' | 'rejected';

export interface PhotoItem {
  localId: string;
  name: string;
  status: PhotoItemStatus;
  progress: number;
  message: string | null;
  previewUrl: string | null;
  blob: Blob | null;
  /** The original, kept until it is resized (a retry may have to resize it again). */
  file: File | null;
  /** The storage key once uploaded: a retry confirms it instead of uploading again. */
  fileKey: string | null;
}

let seq = 0;
function newLocalId(): string {
  seq += 1;
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `p${Date.now()}-${seq}`;
}

// Uploads under way in this page, so that a queue mounted twice (StrictMode, a remount of the
// card) never sends the same photo twice.
const inFlight = new Set<string>();

async function persist(photo: QueuedPhoto): Promise<void> {
  try {
    await (await db()).put('photos', photo);
  } catch {
    // No IndexedDB: the queue still works in memory.
  }
}

/** The file is in storage under `fileKey`: what is left to do is to confirm it. */
async function remember(localId: string, fileKey: string | null): Promise<void> {
  try {
    const store = await db();
    const kept = await store.get('photos', localId);
    if (kept) await store.put('photos', { ...kept, fileKey });
  } catch {
    // No IndexedDB: the key is still kept in memory for a retry in this page.
  }
}

async function forget(localId: string): Promise<void> {
  try {
    await (await db()).delete('photos', localId);
  } catch {
    /* nothing was kept */
  }
}

/** A refusal that a retry cannot fix (too large, wrong type, too many photos): its message. */
function permanentRefusal(err: unknown): string | null {
  if (err instanceof ApiError && err.status >= 400 && err.status < 500 && ![401, 408, 409, 429].includes(err.status)) {
    return `Фото отклонено: ${err.problem.detail || err.problem.title || `ошибка ${err.status}`}`;
  }
  if (err instanceof UploadFailed && err.status === 413) return err.message;
  return null;
}

export function usePhotoQueue(clientId: string, deviceId: string, onUploaded: () => Promise<void> | void) {
  const [items, setItems] = useState<PhotoItem[]>([]);
  const itemsRef = useRef(items);
  useEffect(() => {
    itemsRef.current = items;
  }, [items]);

  const patch = useCallback((localId: string, change: Partial<PhotoItem>) => {
    setItems((prev) => prev.map((it) => (it.localId === localId ? { ...it, ...change } : it)));
  }, []);

  const upload = useCallback(
    async (localId: string, blob: Blob, uploaded: string | null = null) => {
      if (inFlight.has(localId)) return;
      inFlight.add(localId);
      let fileKey = uploaded;
      try {
        if (fileKey) {
          try {
            // Already in storage (the confirmation's answer was lost): confirm that object
            // again; the server answers a repeated confirmation with the photo it recorded.
            patch(localId, { status: 'confirming', progress: 1, message: null });
            await confirmPhoto(clientId, deviceId, fileKey);
          } catch (err) {
            // The uploaded object is gone (it expired before any confirmation): upload anew.
            if (!(err instanceof ApiError && err.code === 'photo_missing')) throw err;
            fileKey = null;
            patch(localId, { fileKey: null });
            await remember(localId, null);
          }
        }
        if (!fileKey) {
          patch(localId, { status: 'uploading', progress: 0, message: null });
          const instructions = await photoUploadUrl(clientId, deviceId, 'image/jpeg', blob.size);
          await uploadToStorage(instructions.upload, blob, 'image/jpeg', (p) => patch(localId, { progress: p }));
          fileKey = instructions.file_key;
          patch(localId, { status: 'confirming', progress: 1, fileKey });
          await remember(localId, fileKey);
          await confirmPhoto(clientId, deviceId, fileKey);
        }
        await forget(localId);
        patch(localId, { status: 'done' });
        await onUploaded();
        setItems((prev) => {
          const gone = prev.find((it) => it.localId === localId);
          if (gone?.previewUrl) URL.revokeObjectURL(gone.previewUrl);
          return prev.filter((it) => it.localId !== localId);
        });
      } catch (err) {
        const refusal = permanentRefusal(err);
        if (refusal) {
          await forget(localId);
          patch(localId, { status: 'rejected', message: refusal });
        } else {
          if (err instanceof UploadFailed && err.status === 0) reportNetworkFailure();
          const message = err instanceof UploadFailed ? err.message : describeError(err);
          patch(localId, { status: 'failed', message });
        }
      } finally {
        inFlight.delete(localId);
      }
    },
    [clientId, deviceId, onUploaded, patch],
  );

  const process = useCallback(
    async (localId: string, file: File) => {
      patch(localId, { status: 'resizing', message: null });
      let blob: Blob;
      try {
        ({ blob } = await resizePhoto(file));
      } catch (err) {
        if (err instanceof PhotoRejected) patch(localId, { status: 'rejected', message: err.message, file: null });
        // Most likely the resizer's code could not be loaded (offline): keep it for a retry.
        else patch(localId, { status: 'failed', message: 'Не удалось обработать фото — повторите.' });
        return;
      }
      patch(localId, { blob, file: null, previewUrl: URL.createObjectURL(blob) });
      await persist({ localId, clientId, deviceId, name: file.name, blob, createdAt: Date.now() });
      await upload(localId, blob);
    },
    [clientId, deviceId, patch, upload],
  );

  const addFiles = useCallback(
    async (files: FileList | File[]) => {
      for (const file of Array.from(files)) {
        const localId = newLocalId();
        setItems((prev) => [
          ...prev,
          {
            localId,
            name: file.name,
            status: 'resizing',
            progress: 0,
            message: null,
            previewUrl: null,
            blob: null,
            file,
            fileKey: null,
          },
        ]);
        await process(localId, file);
      }
    },
    [process],
  );

  const resume = useCallback(
    (item: PhotoItem | undefined) => {
      if (!item || item.status !== 'failed') return;
      if (item.blob) void upload(item.localId, item.blob, item.fileKey);
      else if (item.file) void process(item.localId, item.file);
    },
    [process, upload],
  );

  const retry = useCallback(
    (localId: string) => resume(itemsRef.current.find((it) => it.localId === localId)),
    [resume],
  );

  const retryAll = useCallback(() => {
    for (const item of itemsRef.current) resume(item);
  }, [resume]);

  const dismiss = useCallback((localId: string) => {
    void forget(localId);
    setItems((prev) => {
      const it = prev.find((x) => x.localId === localId);
      if (it?.previewUrl) URL.revokeObjectURL(it.previewUrl);
      return prev.filter((x) => x.localId !== localId);
    });
  }, []);

  // What an earlier page left in the queue (a reload, a closed tab): shown, and sent.
  useEffect(() => {
    let live = true;
    void (async () => {
      let kept: QueuedPhoto[] = [];
      try {
        kept = await (await db()).getAllFromIndex('photos', 'byDevice', [clientId, deviceId]);
      } catch {
        return;
      }
      if (!live || !kept.length) return;
      kept.sort((a, b) => a.createdAt - b.createdAt);
      const known = new Set(itemsRef.current.map((it) => it.localId));
      const restored = kept
        .filter((k) => !known.has(k.localId))
        .map<PhotoItem>((k) => ({
          localId: k.localId,
          name: k.name,
          status: 'failed',
          progress: 0,
          message: 'Ждёт отправки: сохранено на устройстве.',
          previewUrl: URL.createObjectURL(k.blob),
          blob: k.blob,
          file: null,
          fileKey: k.fileKey ?? null,
        }));
      setItems((prev) => [...prev, ...restored]);
      for (const item of restored) void upload(item.localId, item.blob as Blob, item.fileKey);
    })();
    return () => {
      live = false;
    };
  }, [clientId, deviceId, upload]);

  // The connection is back (the browser's event, or the server answering again): send what
  // failed meanwhile.
  useEffect(() => {
    window.addEventListener('online', retryAll);
    const unsubscribe = subscribeConnectivity(() => {
      if (isOnline()) retryAll();
    });
    return () => {
      window.removeEventListener('online', retryAll);
      unsubscribe();
    };
  }, [retryAll]);

  return { items, addFiles, retry, retryAll, dismiss };
}
