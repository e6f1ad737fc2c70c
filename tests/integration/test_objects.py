"""The object store, against both backends: a folder and a real SeaweedFS S3 server.

Every behaviour is checked on both, because the pipeline and the API must not
care which one production uses; the few that only one backend has (file modes,
presigned URLs, a server that stops) are marked by their fixture.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import threading
import tracemalloc
import unicodedata
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from core.settings import Settings
from storage.objects import (
    LocalObjectStore,
    ObjectConflict,
    ObjectCorrupt,
    ObjectMissing,
    ObjectStore,
    ObjectStoreError,
    S3ObjectStore,
    StoredObject,
    StoreUnavailable,
    object_store_from_settings,
)
from testkit import s3server
from testkit.s3server import SeaweedS3

# The S3 fixtures, usable here before (and after) a conftest imports them too.
s3_server = s3server.s3_server
s3_store = s3server.s3_store

VIETNAMESE_KEY = "hồ sơ/Nguyễn Văn Đặng.pdf"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def local_store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "objects")


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest) -> ObjectStore:
    """Each test that takes ``store`` runs once per backend."""
    return request.getfixturevalue(f"{request.param}_store")


def corrupt_behind_the_back(store: ObjectStore, key: str, s3: SeaweedS3 | None) -> None:
    """Change the stored bytes without the store knowing, keeping the recorded checksum."""
    if isinstance(store, LocalObjectStore):
        path = store.root.joinpath(*key.split("/"))
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        with open(path, "r+b") as f:  # in place, as a failing disk would
            f.write(data)
        return
    assert isinstance(store, S3ObjectStore) and s3 is not None
    client = s3.client()
    old = client.stat_object(store.bucket, key)
    bad = b"not the original bytes"
    client.put_object(
        store.bucket,
        key,
        io.BytesIO(bad),
        len(bad),
        content_type=old.content_type,
        metadata={"sha256": old.metadata["x-amz-meta-sha256"]},
    )


def make_file(path: Path, size: int, seed: int) -> str:
    """Write ``size`` pseudo-random bytes in 1 MiB pieces; return their SHA-256."""
    rng = random.Random(seed)
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            chunk = rng.randbytes(min(left, 1024 * 1024))
            digest.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- round trips


def test_round_trip_with_vietnamese_key_normalised_to_nfc(store: ObjectStore) -> None:
    nfd_key = unicodedata.normalize("NFD", VIETNAMESE_KEY)
    assert nfd_key != VIETNAMESE_KEY
    data = "Giấy khai sinh — bản gốc".encode()

    stored = store.put_bytes(nfd_key, data, "application/pdf")

    assert stored == StoredObject(VIETNAMESE_KEY, len(data), sha256(data), "application/pdf")
    assert store.get_bytes(VIETNAMESE_KEY, stored.sha256) == data
    assert store.get_bytes(nfd_key, stored.sha256) == data
    assert store.list("hồ sơ/") == [VIETNAMESE_KEY]
    assert store.list(unicodedata.normalize("NFD", "hồ sơ/")) == [VIETNAMESE_KEY]
    assert store.stat(nfd_key) == stored
    assert b"".join(store.open_stream(nfd_key, stored.sha256)) == data
    if isinstance(store, LocalObjectStore):
        assert (store.root / "hồ sơ" / "Nguyễn Văn Đặng.pdf").read_bytes() == data


def test_stat_returns_recorded_checksum_size_and_type(store: ObjectStore) -> None:
    assert store.stat("a/b.txt") is None
    assert not store.exists("a/b.txt")

    stored = store.put_bytes("a/b.txt", b"xin chao", "text/plain; charset=utf-8")

    assert store.exists("a/b.txt")
    assert store.stat("a/b.txt") == StoredObject(
        "a/b.txt", 8, sha256(b"xin chao"), "text/plain; charset=utf-8"
    )
    replaced = store.put_bytes("a/b.txt", b"{}", "application/json")
    assert store.stat("a/b.txt") == replaced != stored


def test_s3_content_type_is_set_not_sniffed(s3_store: S3ObjectStore, s3_server: SeaweedS3) -> None:
    s3_store.put_bytes("x/searchable.pdf", b"\x00\x01 binary", "application/pdf")
    raw = s3_server.client().stat_object(s3_store.bucket, "x/searchable.pdf")
    assert raw.content_type == "application/pdf"
    assert raw.metadata["x-amz-meta-sha256"] == sha256(b"\x00\x01 binary")


def test_put_file_streams_a_large_file(store: ObjectStore, tmp_path: Path) -> None:
    size = 30 * 1024 * 1024 + 12345  # several multipart parts, the last one short
    source = tmp_path / "scan.pdf"
    expected = make_file(source, size, seed=1)

    tracemalloc.start()
    try:
        stored = store.put_file("big/scan.pdf", source, "application/pdf")
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        dest = tmp_path / "out" / "scan.pdf"
        store.download("big/scan.pdf", dest, expected)
        _, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert stored == StoredObject("big/scan.pdf", size, expected, "application/pdf")
    assert store.stat("big/scan.pdf") == stored
    assert dest.stat().st_size == size
    assert make_file_digest(dest) == expected
    # Streaming: memory held at once is a part or a chunk, not the file.
    assert upload_peak < size // 2, upload_peak
    assert download_peak < size // 4, download_peak


def make_file_digest(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def test_open_stream_yields_chunks_and_verifies(store: ObjectStore) -> None:
    data = bytes(range(256)) * 20_000  # > one chunk
    stored = store.put_bytes("s/t.bin", data, "application/octet-stream")
    chunks = list(store.open_stream("s/t.bin", stored.sha256))
    assert len(chunks) > 1
    assert b"".join(chunks) == data


# --------------------------------------------------------------------------- originals


def test_put_original_is_write_once(store: ObjectStore, tmp_path: Path) -> None:
    first = tmp_path / "scan.tif"
    first.write_bytes(b"original scan bytes")
    other = tmp_path / "other.tif"
    other.write_bytes(b"a different scan")

    stored = store.put_original("u/d/1/original.tif", first, "image/tiff")
    again = store.put_original("u/d/1/original.tif", first, "image/tiff")

    assert (
        again
        == stored
        == StoredObject("u/d/1/original.tif", 19, sha256(b"original scan bytes"), "image/tiff")
    )
    with pytest.raises(ObjectConflict):
        store.put_original("u/d/1/original.tif", other, "image/tiff")
    assert store.get_bytes("u/d/1/original.tif", stored.sha256) == b"original scan bytes"


def test_put_original_retried_concurrently_stores_once(store: ObjectStore, tmp_path: Path) -> None:
    source = tmp_path / "scan.pdf"
    source.write_bytes(b"%PDF-1.7 same bytes from every retry")
    results: list[StoredObject] = []
    errors: list[BaseException] = []

    def upload() -> None:
        try:
            results.append(store.put_original("race/original.pdf", source, "application/pdf"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=upload) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert len(results) == 6 and len(set(results)) == 1
    assert store.list("race/") == ["race/original.pdf"]


def test_local_put_original_race_with_different_bytes_has_one_winner(
    local_store: LocalObjectStore, tmp_path: Path
) -> None:
    sources = []
    for i in range(6):
        path = tmp_path / f"scan-{i}.pdf"
        path.write_bytes(f"scan number {i}".encode())
        sources.append(path)
    won: list[StoredObject] = []
    lost: list[BaseException] = []

    def upload(path: Path) -> None:
        try:
            won.append(local_store.put_original("k/original.pdf", path, "application/pdf"))
        except ObjectConflict as exc:
            lost.append(exc)

    threads = [threading.Thread(target=upload, args=(p,)) for p in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(won) == 1 and len(lost) == 5
    assert local_store.get_bytes("k/original.pdf", won[0].sha256)
    assert local_store.list("k/") == ["k/original.pdf"]


# --------------------------------------------------------------------------- damage


@pytest.fixture
def s3_for_corruption(request: pytest.FixtureRequest, store: ObjectStore) -> SeaweedS3 | None:
    return request.getfixturevalue("s3_server") if isinstance(store, S3ObjectStore) else None


def test_corrupt_object_is_never_served(
    store: ObjectStore, s3_for_corruption: SeaweedS3 | None, tmp_path: Path
) -> None:
    data = b"%PDF-1.7\n" + bytes(range(256)) * 100
    stored = store.put_bytes("c/searchable.pdf", data, "application/pdf")
    corrupt_behind_the_back(store, "c/searchable.pdf", s3_for_corruption)

    with pytest.raises(ObjectCorrupt):
        store.get_bytes("c/searchable.pdf", stored.sha256)

    dest_dir = tmp_path / "downloads"
    dest = dest_dir / "searchable.pdf"
    with pytest.raises(ObjectCorrupt):
        store.download("c/searchable.pdf", dest, stored.sha256)
    assert not dest.exists()
    assert list(dest_dir.iterdir()) == []  # no temporary file left either

    stream = store.open_stream("c/searchable.pdf", stored.sha256)
    with pytest.raises(ObjectCorrupt):
        for _ in stream:
            pass

    if isinstance(store, LocalObjectStore):
        # The edit made the recorded checksum stale; stat reports what is there now.
        assert store.stat("c/searchable.pdf").sha256 != stored.sha256


def test_existing_download_is_not_replaced_by_corrupt_bytes(
    store: ObjectStore, s3_for_corruption: SeaweedS3 | None, tmp_path: Path
) -> None:
    stored = store.put_bytes("c/text.txt", b"good text", "text/plain")
    dest = tmp_path / "text.txt"
    store.download("c/text.txt", dest, stored.sha256)
    corrupt_behind_the_back(store, "c/text.txt", s3_for_corruption)
    with pytest.raises(ObjectCorrupt):
        store.download("c/text.txt", dest, stored.sha256)
    assert dest.read_bytes() == b"good text"


def test_local_stat_recomputes_when_metadata_is_lost(local_store: LocalObjectStore) -> None:
    stored = local_store.put_bytes("m/a.json", b'{"a": 1}', "application/json")
    for meta in (local_store.root / ".meta").rglob("*.json"):
        meta.unlink()
    again = local_store.stat("m/a.json")
    assert again is not None and again.sha256 == stored.sha256 and again.size == stored.size
    assert again.content_type == "application/json"  # guessed from the name


def test_missing_object(store: ObjectStore, tmp_path: Path) -> None:
    some_sha = sha256(b"anything")
    with pytest.raises(ObjectMissing):
        store.get_bytes("no/such.pdf", some_sha)
    with pytest.raises(ObjectMissing):
        store.download("no/such.pdf", tmp_path / "such.pdf", some_sha)
    assert not (tmp_path / "such.pdf").exists()
    with pytest.raises(ObjectMissing):
        store.open_stream("no/such.pdf", some_sha)  # raised before any byte
    assert store.stat("no/such.pdf") is None
    assert store.list("no/") == []


def test_malformed_expected_checksum_is_a_caller_error(store: ObjectStore) -> None:
    store.put_bytes("v/a.txt", b"a", "text/plain")
    with pytest.raises(ValueError):
        store.get_bytes("v/a.txt", "")
    with pytest.raises(ValueError):
        store.get_bytes("v/a.txt", sha256(b"a").upper())


# --------------------------------------------------------------------------- keys


@pytest.mark.parametrize(
    "key",
    [
        "../escape.pdf",
        "a/../../escape.pdf",
        "/etc/passwd",
        "a\\..\\b",
        "a\x00b",
        "",
        "a//b",
        "a/",
        "./a",
        ".meta/a.json",
    ],
)
def test_unsafe_keys_are_refused(store: ObjectStore, key: str, tmp_path: Path) -> None:
    source = tmp_path / "f"
    source.write_bytes(b"x")
    with pytest.raises(ValueError):
        store.put_bytes(key, b"x", "text/plain")
    with pytest.raises(ValueError):
        store.put_file(key, source, "text/plain")
    with pytest.raises(ValueError):
        store.put_original(key, source, "text/plain")
    with pytest.raises(ValueError):
        store.get_bytes(key, sha256(b"x"))
    with pytest.raises(ValueError):
        store.stat(key)
    with pytest.raises(ValueError):
        store.delete(key)
    if isinstance(store, LocalObjectStore):
        assert not (tmp_path / "escape.pdf").exists()


def test_local_key_that_is_also_a_folder_conflicts(local_store: LocalObjectStore) -> None:
    local_store.put_bytes("a/b", b"1", "text/plain")
    with pytest.raises(ObjectConflict):
        local_store.put_bytes("a/b/c", b"2", "text/plain")
    with pytest.raises(ObjectConflict):
        local_store.put_bytes("a", b"3", "text/plain")
    assert local_store.list("") == ["a/b"]


def test_local_objects_are_private_whatever_the_umask(
    local_store: LocalObjectStore, tmp_path: Path
) -> None:
    """Citizens' papers are readable by the service user only, even under umask 022."""
    source = tmp_path / "in.pdf"
    source.write_bytes(b"%PDF")
    old = os.umask(0o022)
    try:
        local_store.put_bytes("p/q/bytes.txt", b"x", "text/plain")
        local_store.put_file("p/q/file.pdf", source, "application/pdf")
        local_store.put_original("p/r/original.pdf", source, "application/pdf")
        local_store.download("p/q/file.pdf", tmp_path / "dl" / "file.pdf", sha256(b"%PDF"))
    finally:
        os.umask(old)
    root = local_store.root
    for name in ("p/q/bytes.txt", "p/q/file.pdf", "p/r/original.pdf"):
        assert (root / name).stat().st_mode & 0o777 == 0o600, name
    for folder in ("p", "p/q", "p/r"):
        assert (root / folder).stat().st_mode & 0o777 == 0o700, folder
    assert (tmp_path / "dl" / "file.pdf").stat().st_mode & 0o777 == 0o600
    assert not [p for p in (root / "p" / "q").iterdir() if p.name.startswith(".tmp-")]


# --------------------------------------------------------------------------- list, delete


def test_list_and_delete(store: ObjectStore) -> None:
    keys = ["u1/d1/a/original.pdf", "u1/d1/a/text.txt", "u1/d1/b/original.pdf", "u1/d2/x.pdf"]
    for key in reversed(keys):
        store.put_bytes(key, key.encode(), "application/octet-stream")

    assert store.list("") == keys
    assert store.list("u1/d1/") == keys[:3]
    assert store.list("u1/d1/a") == keys[:2]
    assert store.list("u1/d1/a/t") == ["u1/d1/a/text.txt"]
    assert store.list("u2/") == []

    store.delete("u1/d1/a/text.txt")
    store.delete("u1/d1/a/text.txt")  # idempotent
    store.delete("never/was.pdf")
    assert store.list("u1/d1/") == ["u1/d1/a/original.pdf", "u1/d1/b/original.pdf"]
    assert not store.exists("u1/d1/a/text.txt")
    with pytest.raises(ObjectMissing):
        store.get_bytes("u1/d1/a/text.txt", sha256(b"u1/d1/a/text.txt"))


# --------------------------------------------------------------------------- S3 specifics


def test_presigned_url_downloads_with_filename(s3_store: S3ObjectStore) -> None:
    data = b"%PDF-1.7 presigned"
    s3_store.put_bytes("u/d/1/searchable.pdf", data, "application/pdf")
    url = s3_store.presigned_get_url(
        "u/d/1/searchable.pdf", timedelta(minutes=5), filename="Giấy khai sinh Đặng.pdf"
    )
    assert url is not None
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read()
        disposition = response.headers["Content-Disposition"]
        content_type = response.headers["Content-Type"]
    assert body == data
    assert content_type == "application/pdf"
    assert disposition.startswith("attachment;")
    assert 'filename="Giay khai sinh Dang.pdf"' in disposition
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert urllib.parse.unquote(encoded) == "Giấy khai sinh Đặng.pdf"


def test_presigned_url_names_the_public_endpoint(s3_server: SeaweedS3, s3_store) -> None:
    """Inside compose the store is `minio:9000`; clients get a host they can reach."""
    data = b"%PDF-1.7 public"
    s3_store.put_bytes("u/d/2/searchable.pdf", data, "application/pdf")
    port = s3_server.endpoint.rsplit(":", 1)[1]
    public = S3ObjectStore(
        s3_server.endpoint,
        s3_server.access_key,
        s3_server.secret_key,
        s3_store.bucket,
        public_endpoint=f"localhost:{port}",
    )
    url = public.presigned_get_url("u/d/2/searchable.pdf", timedelta(minutes=5))
    assert url is not None and url.startswith(f"http://localhost:{port}/")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == data


def test_local_store_has_no_presigned_url(local_store: LocalObjectStore) -> None:
    local_store.put_bytes("a.pdf", b"x", "application/pdf")
    assert local_store.presigned_get_url("a.pdf", timedelta(minutes=1), "a.pdf") is None


def test_stopped_server_is_unavailable_and_data_survives_restart(
    s3_server: SeaweedS3, s3_store: S3ObjectStore, tmp_path: Path
) -> None:
    stored = s3_store.put_bytes("keep/original.pdf", b"%PDF kept", "application/pdf")
    source = tmp_path / "later.pdf"
    source.write_bytes(b"later")
    s3_store.check()

    s3_server.stop()
    try:
        with pytest.raises(StoreUnavailable):
            s3_store.check()
        with pytest.raises(StoreUnavailable):
            s3_store.get_bytes("keep/original.pdf", stored.sha256)
        with pytest.raises(StoreUnavailable):
            s3_store.stat("keep/original.pdf")
        with pytest.raises(StoreUnavailable):
            s3_store.put_bytes("keep/new.txt", b"new", "text/plain")
        with pytest.raises(StoreUnavailable):
            s3_store.put_original("keep/later.pdf", source, "application/pdf")
        with pytest.raises(StoreUnavailable):
            s3_store.download("keep/original.pdf", tmp_path / "dl.pdf", stored.sha256)
        with pytest.raises(StoreUnavailable):
            s3_store.list("keep/")
        with pytest.raises(StoreUnavailable):
            s3_store.delete("keep/original.pdf")
    finally:
        s3_server.start()

    s3_store.check()
    assert s3_store.get_bytes("keep/original.pdf", stored.sha256) == b"%PDF kept"
    assert s3_store.list("keep/") == ["keep/original.pdf"]


def test_s3_creates_its_bucket_once_even_when_racing(s3_server: SeaweedS3) -> None:
    bucket = f"race-{os.urandom(6).hex()}"
    stores = [s3_server.store(bucket) for _ in range(4)]
    errors: list[BaseException] = []

    def first_write(i: int) -> None:
        try:
            stores[i].put_bytes(f"k{i}", b"x", "text/plain")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first_write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert stores[0].list("") == ["k0", "k1", "k2", "k3"]
    finally:
        for i in range(4):
            stores[0].delete(f"k{i}")
        s3_server.client().remove_bucket(bucket)


# --------------------------------------------------------------------------- settings


def test_object_store_from_settings(tmp_path: Path, s3_server: SeaweedS3) -> None:
    local = object_store_from_settings(Settings(data_dir=tmp_path, object_store="local"))
    assert isinstance(local, LocalObjectStore)
    assert local.root == (tmp_path / "objects").absolute()
    local.check()

    bucket = f"settings-{os.urandom(6).hex()}"
    s3 = object_store_from_settings(
        Settings(
            data_dir=tmp_path,
            object_store="s3",
            s3_endpoint=s3_server.endpoint,
            s3_access_key=s3_server.access_key,
            s3_secret_key=s3_server.secret_key,
            s3_bucket=bucket,
        )
    )
    assert isinstance(s3, S3ObjectStore) and s3.bucket == bucket
    s3.check()  # creates the bucket
    try:
        stored = s3.put_bytes("a.txt", b"a", "text/plain")
        assert s3.get_bytes("a.txt", stored.sha256) == b"a"
    finally:
        s3.delete("a.txt")
        s3_server.client().remove_bucket(bucket)


def test_wrong_credentials_are_not_mistaken_for_an_outage(s3_server: SeaweedS3) -> None:
    store = S3ObjectStore(s3_server.endpoint, s3_server.access_key, "wrong-secret", "nobucket")
    with pytest.raises(ObjectStoreError) as info:
        store.put_bytes("a.txt", b"a", "text/plain")
    assert not isinstance(info.value, StoreUnavailable)
