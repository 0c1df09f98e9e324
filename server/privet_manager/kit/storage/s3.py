"""S3 (MinIO in production, SeaweedFS in tests) through the minio SDK.

Two endpoints: the API talks to `S3_ENDPOINT`; URLs for the browser are signed for
`S3_PUBLIC_ENDPOINT` when set (signing is offline, so that host need not be reachable from the
API). Blocking SDK calls run in threads; connection failures become StorageUnavailable.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit

import urllib3
from minio import Minio
from minio.datatypes import PostPolicy
from minio.error import MinioException, S3Error

from privet_manager.kit.storage.base import ObjectInfo, StorageUnavailable, UploadTarget
from privet_manager.settings import Settings

T = TypeVar("T")
_MISSING = {"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"}


def _endpoint(url: str, default_secure: bool) -> tuple[str, bool, str]:
    """`http://host:port` or `host:port` → (host:port, secure, base URL)."""
    if "://" not in url:
        url = ("https://" if default_secure else "http://") + url
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    return parts.netloc, secure, f"{parts.scheme}://{parts.netloc}"


def _http_client() -> urllib3.PoolManager:
    # Fail fast: a dead store should turn into a 503 within seconds, not after long retries.
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=3, read=30),
        retries=urllib3.Retry(total=1, backoff_factor=0.2, status_forcelist=[502, 503, 504]),
        maxsize=10,
    )


class S3Storage:
    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        region: str = "us-east-1",
        secure: bool = False,
        public_endpoint: str = "",
    ) -> None:
        host, is_secure, _ = _endpoint(endpoint, secure)
        self.bucket = bucket
        self.client = Minio(
            host,
            access_key=access_key,
            secret_key=secret_key,
            secure=is_secure,
            region=region,
            http_client=_http_client(),
        )
        pub_host, pub_secure, pub_base = _endpoint(public_endpoint or endpoint, secure)
        self.public_base = pub_base
        # Only signs (region given, so no request is ever made through it).
        self.signer = Minio(
            pub_host,
            access_key=access_key,
            secret_key=secret_key,
            secure=pub_secure,
            region=region,
        )
        self._bucket_ready = False

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        return cls(
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key,
            settings.s3_bucket,
            region=settings.s3_region,
            secure=settings.s3_secure,
            public_endpoint=settings.s3_public_endpoint,
        )

    async def _run(self, fn: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(fn)
        except S3Error:
            raise
        except (urllib3.exceptions.HTTPError, OSError, MinioException) as exc:
            raise StorageUnavailable(type(exc).__name__) from exc

    async def ensure_bucket(self) -> None:
        if self._bucket_ready:
            return

        def ensure() -> None:
            if not self.client.bucket_exists(self.bucket):
                try:
                    self.client.make_bucket(self.bucket)
                except S3Error as exc:
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise

        try:
            await self._run(ensure)
        except S3Error as exc:
            raise StorageUnavailable(exc.code) from exc
        self._bucket_ready = True

    async def check(self) -> None:
        self._bucket_ready = False
        await self.ensure_bucket()

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self.ensure_bucket()
        try:
            await self._run(
                lambda: self.client.put_object(
                    self.bucket, key, io.BytesIO(data), len(data), content_type=content_type
                )
            )
        except S3Error as exc:
            raise StorageUnavailable(exc.code) from exc

    async def get(self, key: str) -> bytes:
        await self.ensure_bucket()

        def read() -> bytes:
            response = self.client.get_object(self.bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        try:
            return await self._run(read)
        except S3Error as exc:
            if exc.code in _MISSING:
                raise KeyError(key) from exc
            raise StorageUnavailable(exc.code) from exc

    async def stat(self, key: str) -> ObjectInfo | None:
        await self.ensure_bucket()
        try:
            st = await self._run(lambda: self.client.stat_object(self.bucket, key))
        except S3Error as exc:
            if exc.code in _MISSING:
                return None
            raise StorageUnavailable(exc.code) from exc
        return ObjectInfo(key=key, size=int(st.size or 0), content_type=st.content_type)

    async def delete(self, key: str) -> None:
        await self.ensure_bucket()
        try:
            await self._run(lambda: self.client.remove_object(self.bucket, key))
        except S3Error as exc:
            if exc.code not in _MISSING:
                raise StorageUnavailable(exc.code) from exc

    async def list_keys(self, prefix: str) -> list[str]:
        await self.ensure_bucket()

        def names() -> list[str]:
            objects = self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
            return sorted(o.object_name for o in objects if o.object_name)

        try:
            return await self._run(names)
        except S3Error as exc:
            raise StorageUnavailable(exc.code) from exc

    async def presign_upload(
        self, key: str, content_type: str, max_size: int, expires: timedelta
    ) -> UploadTarget:
        await self.ensure_bucket()
        expires_at = datetime.now(UTC) + expires
        policy = PostPolicy(self.bucket, expires_at)
        policy.add_equals_condition("key", key)
        policy.add_equals_condition("Content-Type", content_type)
        policy.add_content_length_range_condition(1, max_size)
        fields = await asyncio.to_thread(self.signer.presigned_post_policy, policy)
        return UploadTarget(
            method="POST",
            url=f"{self.public_base}/{self.bucket}",
            expires_at=expires_at,
            fields={"key": key, "Content-Type": content_type, **fields},
        )

    async def presign_download(self, key: str, expires: timedelta) -> str:
        return await asyncio.to_thread(
            self.signer.presigned_get_object, self.bucket, key, expires=expires
        )
