"""Search and listings at archive scale (issue 18): synthetic archives, timed queries.

Run from the repository root:

    .venv/bin/python -m bench.search_scale --documents 10000 --backend both
    .venv/bin/python -m bench.search_scale --documents 100000 --backend both \\
        --reuse --archive-dir /work/bench-archives

An archive is built through the project's own storage code, not through OCR: the
migrations make the schema (``storage.db.migrate``); dossiers, documents and pages go
in with bulk inserts of the ORM models; the search index is written by
``storage.search.index_document`` (or, when that would take more than 20 minutes for
the whole archive, by bulk inserts of exactly the rows it writes — see ``--index``).
The text is generated, deterministically from ``--seed``: Vietnamese (NFC) with a
Zipf-like word distribution, letterheads, names, 12-digit ID numbers and dates, about
2.4 KB (UTF-8) per page and 1.76 pages per document, in 50 units over three years.

Then each query runs 3 times untimed and ``--repeats`` times timed, on each backend:
``storage.search.search``, ``storage.repository.list_dossiers`` and ``list_documents``,
the bare full-text match of the same terms (FTS5 ``MATCH``, ``tsv @@``), and the HTTP
API in-process (``fastapi.testclient``). Writes ``search-scale-<N>.md`` (printed too)
and ``search-scale-<N>.json`` to ``--out``.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import inspect
import json
import math
import os
import random
import secrets
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import Connection, Engine, create_engine, insert, select, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from bench import search_scale_report as report
from bench.api_load import CpuMeter, percentile
from bench.report import machine_facts, now
from classifiers.doctypes import DOCUMENT_TYPES
from core.vietnamese import VIETNAM_TIME, nfc
from storage import repository as repo
from storage import search as search_module
from storage.db import make_engine, migrate, normalize_url, session_factory
from storage.models import Document, Dossier, IndexedPage, Page, PersonEntry
from storage.people import APPLICANT, APPLICANT_ID, entries_of_document, name_key
from storage.search_query import fold, fts5_query, parse_query, tsquery

REPO = Path(__file__).resolve().parent.parent
GENERATOR = "search-scale/1"
"""Bump when the generated archive changes: a kept archive of another version is rebuilt."""

SEED = 18
END = datetime(2026, 12, 1, tzinfo=UTC)
SPAN = timedelta(days=3 * 365)
UNITS = tuple(f"000.00.00.H{i:02d}" for i in range(1, 51))
PAGE_COUNTS = ((1, 0.52), (2, 0.28), (3, 0.12), (4, 0.08))  # mean 1.76
DOSSIER_SIZES = ((1, 0.30), (2, 0.45), (3, 0.20), (4, 0.05))  # mean 2.0
PAGE_BYTES = 2400  # mean UTF-8 bytes of a page's text
BATCH = 2000  # documents per insert batch (one transaction)
COMMON_WORD = "thửa"  # in COMMON_SHARE of the documents ("thửa đất số …": a land parcel)
COMMON_SHARE = 0.30
PHRASE_NAME = "Nguyễn Thị Hương"  # the exact-phrase query: common words, a rarer sequence
GIN_INDEXES = {"ix_page_search_tsv": "tsv", "ix_page_search_pairs": "pairs"}
"""PostgreSQL's full-text indexes and the vectors they index first (storage/migrations
0001, 0026, 0029), for the sizes' labels. Dropped and built again, they are made from
their definitions as the migrations left them (``gin_definitions``)."""
INDEX_BUDGET_S = 20 * 60  # index_document for the whole archive, per backend, at most
PG_ADMIN_URL = os.environ.get(
    "SOHOA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

# --------------------------------------------------------------------------------------
# Word lists
# --------------------------------------------------------------------------------------

_HEAD = (
    "của , và \n các . được theo có không là người cho đã với trong này đề nghị giấy số "
    "ngày tháng năm xã huyện tỉnh thôn ủy ban nhân dân hồ sơ công dân cơ quan cấp tại ông "
    "bà về để khi thủ tục hành chính văn bản chứng thực bản sao quyết định thực hiện căn cứ "
    "luật nghị định thông tư chủ tịch cán bộ tư pháp hộ tịch đất đai quyền sử dụng đất "
    "đăng ký chứng nhận nơi cư trú địa chỉ họ và tên ngày sinh giới tính quốc tịch dân tộc "
    "kinh nam nữ việt nam gia đình hộ khẩu thường trú tạm trú xác nhận yêu cầu trường hợp "
    "đúng sự thật chịu trách nhiệm trước pháp luật kê khai nội dung thông tin kèm theo "
    "thời hạn giải quyết kết quả trả lời bộ phận tiếp nhận một cửa lệ phí miễn giấy tờ "
    "thành phần số lượng bản chính cá nhân tổ chức đại diện ủy quyền hợp đồng mua bán "
    "tặng cho thừa kế diện tích mục đích thời hạn sử dụng nguồn gốc tờ bản đồ mét vuông "
    "ở lâu dài trồng lúa cây hàng năm khác biên bản hội đồng kiểm tra báo cáo tình hình "
    "kinh tế xã hội an ninh trật tự phường thị trấn sở ban hành hiệu lực kể từ ký "
    "nơi nhận lưu vt trưởng phó công an công chức địa chính xây dựng môi trường "
    "nguyên quán quê quán cha mẹ vợ chồng con kết hôn khai sinh khai tử tình trạng hôn nhân"
)
HEAD_WORDS = tuple(_HEAD.split(" "))
"""Most frequent first; one entry is one word (``\\n`` and punctuation count as words)."""

ONSETS = (
    "", "b", "c", "ch", "d", "đ", "g", "gi", "h", "k", "kh", "l", "m", "n", "ng", "nh", "ph",
    "qu", "r", "s", "t", "th", "tr", "v", "x",
)  # fmt: skip
# A rime and the index of the letter that takes the tone mark.
RIMES = (
    ("a", 0), ("ai", 0), ("ao", 0), ("au", 0), ("ay", 0), ("an", 0), ("am", 0), ("ang", 0),
    ("anh", 0), ("ac", 0), ("ach", 0), ("at", 0), ("ap", 0), ("ăn", 0), ("ăm", 0),
    ("ăng", 0), ("ăt", 0), ("ăc", 0), ("ân", 0), ("âm", 0), ("âng", 0), ("ât", 0),
    ("âu", 0), ("ây", 0), ("e", 0), ("em", 0), ("en", 0), ("eo", 0), ("et", 0), ("ê", 0),
    ("êm", 0), ("ên", 0), ("ênh", 0), ("êu", 0), ("êt", 0), ("êch", 0), ("i", 0), ("im", 0),
    ("in", 0), ("inh", 0), ("iu", 0), ("it", 0), ("ich", 0), ("ia", 0), ("iêm", 1),
    ("iên", 1), ("iêng", 1), ("iêu", 1), ("iêt", 1), ("o", 0), ("oi", 0), ("om", 0),
    ("on", 0), ("ong", 0), ("ot", 0), ("oc", 0), ("oa", 1), ("oai", 1), ("oan", 1),
    ("oang", 1), ("oanh", 1), ("oat", 1), ("oe", 1), ("ô", 0), ("ôi", 0), ("ôm", 0),
    ("ôn", 0), ("ông", 0), ("ôt", 0), ("ôc", 0), ("ơ", 0), ("ơi", 0), ("ơm", 0), ("ơn", 0),
    ("ơt", 0), ("u", 0), ("ua", 0), ("ui", 0), ("um", 0), ("un", 0), ("ung", 0), ("ut", 0),
    ("uc", 0), ("uân", 1), ("uôi", 1), ("uôn", 1), ("uông", 1), ("uôc", 1), ("uy", 1),
    ("uyên", 2), ("uyêt", 2), ("ư", 0), ("ưa", 0), ("ưng", 0), ("ưt", 0), ("ưc", 0),
    ("ươi", 1), ("ươn", 1), ("ương", 1), ("ươc", 1), ("ươt", 1), ("ươu", 1),
)  # fmt: skip
TONES = (("", 0.30), ("\u0300", 0.20), ("\u0301", 0.20), ("\u0309", 0.10), ("\u0303", 0.05),
         ("\u0323", 0.15))  # fmt: skip
STOP_FINALS = ("c", "ch", "p", "t")  # these rimes take only sắc or nặng

FAMILY_NAMES = (
    ("Nguyễn", 0.36), ("Trần", 0.11), ("Lê", 0.095), ("Phạm", 0.07), ("Hoàng", 0.05),
    ("Huỳnh", 0.03), ("Phan", 0.045), ("Vũ", 0.039), ("Võ", 0.03), ("Đặng", 0.021),
    ("Bùi", 0.02), ("Đỗ", 0.014), ("Hồ", 0.013), ("Ngô", 0.013), ("Dương", 0.01),
    ("Lý", 0.005), ("Đinh", 0.01), ("Trịnh", 0.008), ("Mai", 0.006), ("Đào", 0.006),
)  # fmt: skip
MIDDLE = {
    "Nam": (("Văn", 0.45), ("Đức", 0.1), ("Minh", 0.1), ("Quang", 0.08), ("Hữu", 0.08),
            ("Thanh", 0.07), ("Xuân", 0.06), ("Công", 0.06)),
    "Nữ": (("Thị", 0.6), ("Ngọc", 0.1), ("Thu", 0.08), ("Thanh", 0.07), ("Kim", 0.06),
           ("Minh", 0.05), ("Hồng", 0.04)),
}  # fmt: skip
GIVEN = {
    "Nam": "An Bình Cường Dũng Đạt Đặng Đông Giang Hải Hào Hiếu Hòa Hùng Huy Khánh Khoa Kiên "
    "Lâm Long Lộc Mạnh Minh Nam Nghĩa Phong Phúc Quân Quang Sơn Tài Tâm Thắng Thành Thịnh "
    "Toàn Trung Tuấn Tùng Việt Vinh Vũ",
    "Nữ": "Anh Bích Châu Chi Dung Duyên Giang Hà Hạnh Hằng Hiền Hoa Huệ Hương Lan Liên Linh "
    "Loan Mai Nga Ngân Nhung Oanh Phương Quyên Quỳnh Tâm Thảo Thủy Trang Trinh Tuyết Uyên "
    "Vân Xuân Yến",
}
PROVINCES = (
    ("001", "Hà Nội"), ("035", "Hà Nam"), ("036", "Nam Định"), ("034", "Thái Bình"),
    ("040", "Nghệ An"), ("038", "Thanh Hóa"), ("027", "Bắc Ninh"), ("033", "Hưng Yên"),
    ("049", "Quảng Nam"), ("087", "Đồng Tháp"), ("089", "An Giang"), ("079", "Hồ Chí Minh"),
)  # fmt: skip
DOCUMENT_WEIGHTS = {
    "citizen_id": 0.18, "application_form": 0.20, "birth_certificate": 0.08,
    "birth_extract": 0.05, "marriage_certificate": 0.05, "marital_status": 0.05,
    "death_extract": 0.02, "land_use_certificate": 0.08, "household_book": 0.05,
    "contract": 0.05, "power_of_attorney": 0.04, "diploma": 0.04,
    "business_household_registration": 0.02, "decision": 0.03, "minutes": 0.02,
    "official_letter": 0.03, "other": 0.01,
}  # fmt: skip
PROCEDURES = ("1.001193", "1.004884", "2.000908", "1.000894", "2.001035", "1.003583", "2.000815")


def _choose(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _syllables(rng: random.Random) -> list[str]:
    """Vietnamese-looking syllables (onset, rime, tone), NFC; most exist, some do not."""
    found: set[str] = set()
    for onset in ONSETS:
        for rime, at in RIMES:
            front = rime[0] in "eêi"
            if (onset in ("c", "g", "ng") and front) or (onset == "k" and not front):
                continue
            if (onset == "qu" and rime[0] in "uưo") or (onset == "gi" and rime[0] == "i"):
                continue
            stop = rime.endswith(STOP_FINALS)
            for mark, _ in TONES:
                if stop and mark not in ("\u0301", "\u0323"):
                    continue
                found.add(nfc(onset + rime[: at + 1] + mark + rime[at + 1 :]))
    ordered = sorted(found)
    rng.shuffle(ordered)
    return ordered


# --------------------------------------------------------------------------------------
# The archive generator
# --------------------------------------------------------------------------------------


@dataclass
class Person:
    name: str
    sex: str
    born: date
    id_number: str | None


@dataclass
class Batch:
    """Rows of up to BATCH documents, ready for ``insert(Model)``."""

    dossiers: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    applicants: list[dict[str, Any]] = field(default_factory=list)  # person_index, dossiers'
    _index: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None

    def index_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The page_search and person_index rows ``index_document`` writes for the batch."""
        if self._index is None:
            # The columns the model has now: the text (dropped by migration 0025), the
            # unit's scope token (added by 0024). check_bulk compares with index_document.
            columns = set(IndexedPage.__table__.columns.keys())
            scope = getattr(search_module, "scope_token", None)
            units = {d["id"]: d["unit_code"] for d in self.documents}
            searchable = []
            for p in self.pages:
                if not (p["text"] and p["text"].strip()):
                    continue
                row = {
                    "document_id": p["document_id"],
                    "number": p["number"],
                    "folded": fold(nfc(p["text"])),
                }
                if "text" in columns:
                    row["text"] = nfc(p["text"])
                if "scope" in columns and scope is not None:
                    row["scope"] = scope(units[p["document_id"]])
                searchable.append(row)
            people = [
                {
                    "dossier_id": d["dossier_id"],
                    "document_id": d["id"],
                    "field": name,
                    "value": value,
                    "key": key[:255],
                }
                for d in self.documents
                for (name, key), value in entries_of_document(
                    d["fields"], d["classification"]
                ).items()
            ]
            self._index = (searchable, people)
        return self._index


class Generator:
    """A deterministic archive of ``documents`` documents: rows in batches, and query facts."""

    def __init__(self, documents: int, seed: int) -> None:
        self.n = documents
        self.seed = seed
        rng = random.Random(seed)
        sizes: list[int] = []
        drawn = 0  # a running sum: summing the list each time was quadratic (minutes at 1M)
        while drawn < documents:
            sizes.append(_choose(rng, DOSSIER_SIZES))
            drawn += sizes[-1]
        sizes[-1] -= drawn - documents
        self.sizes = sizes
        start = END - SPAN
        self.times = sorted(start + SPAN * rng.random() for _ in sizes)
        weights = [1 / math.sqrt(i + 1) for i in range(len(UNITS))]
        self.unit_weights = weights
        avoid = fold(COMMON_WORD)  # no other word folds to it: its share is exact
        tail = [s for s in _syllables(rng) if fold(s) != avoid]

        def title(n: int) -> str:
            return " ".join(rng.choice(tail).capitalize() for _ in range(n))

        self.places = {
            unit: {
                "commune": title(2),
                "district": title(2),
                "province": PROVINCES[i % len(PROVINCES)],
                "officer": None,
            }
            for i, unit in enumerate(UNITS)
        }
        words = [w for w in HEAD_WORDS if avoid not in fold(w).split()]
        heads = len(words)
        words += tail[:5000]
        words += [f"{a} {b}" for a, b in zip(tail[5000:], tail[::-1][:12000], strict=False)]
        words += [str(i) for i in range(1, 400)] + [str(y) for y in range(1945, 2027)]
        body, rest = words[:heads], words[heads:]
        rng.shuffle(rest)
        self.vocabulary = body + rest
        cumulative, total, expected = [], 0.0, 0.0
        for rank, word in enumerate(self.vocabulary, 1):
            weight = 1 / (rank + 2.7) ** 1.02  # Zipf–Mandelbrot
            total += weight
            cumulative.append(total)
            expected += weight * (len(word.encode()) + 1)
        self.cumulative = cumulative
        self.token_bytes = expected / total
        self.streets = tail[:400]
        self.serial = 0
        # The ID number query: the applicant of the first two-document dossier past the middle.
        half = len(sizes) // 2
        self.id_dossier = next(i for i in range(half, len(sizes)) if sizes[i] == 2)
        self.facts: dict[str, Any] = {}

    # ---------------------------------------------------------------- people

    def _person(
        self, rng: random.Random, sex: str | None = None, born: int | None = None
    ) -> Person:
        sex = sex or rng.choice(("Nam", "Nữ"))
        name = " ".join(
            (
                _choose(rng, FAMILY_NAMES),
                _choose(rng, MIDDLE[sex]),
                rng.choice(GIVEN[sex].split()),
            )
        )
        year = born or rng.randint(1940, 2024)
        day = date(year, rng.randint(1, 12), rng.randint(1, 28))
        self.serial += 1
        province = rng.choice(PROVINCES)[0]
        century = (0 if year < 2000 else 2) + (0 if sex == "Nam" else 1)
        serial = (self.serial * 742_903) % 1_000_000  # a permutation: unique below 10^6
        id_number = f"{province}{century}{year % 100:02d}{serial:06d}"
        return Person(nfc(name), sex, day, id_number)

    # ---------------------------------------------------------------- text

    def _body(self, rng: random.Random, size: int) -> str:
        count = max(8, round(size / self.token_bytes))
        words = rng.choices(self.vocabulary, cum_weights=self.cumulative, k=count)
        joined = " ".join(words)
        return joined.replace(" ,", ",").replace(" .", ".").replace(" \n ", "\n")

    def _address(self, rng: random.Random, unit: str) -> str:
        place = self.places[unit]
        street = rng.choice(self.streets).capitalize()
        return (
            f"thôn {street}, xã {place['commune']}, huyện {place['district']}, "
            f"tỉnh {place['province'][1]}"
        )

    def _page(
        self,
        rng: random.Random,
        unit: str,
        kind: str,
        number: int,
        pages: int,
        people: list[tuple[str, Person]],
        applicant: Person,
        phone: str,
        signed: datetime,
        parcel: int | None,
    ) -> str:
        place = self.places[unit]
        top: list[str] = []
        if number == 1:
            if rng.random() < 0.9:
                top.append("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc")
            if rng.random() < 0.8:
                top.append(f"ỦY BAN NHÂN DÂN XÃ {place['commune'].upper()}")
            top.append(DOCUMENT_TYPES[kind].split(",")[0].upper())
            for role, person in people:
                shown = person.name.upper() if kind == "citizen_id" else person.name
                top.append(
                    f"{role}: {shown}\nNgày sinh: {person.born:%d/%m/%Y} Giới tính: {person.sex}"
                )
                if person.id_number:
                    top.append(f"Số định danh cá nhân: {person.id_number}")
            top.append(f"Nơi cư trú: {self._address(rng, unit)}")
            if all(p is not applicant for _, p in people):
                top.append(
                    f"Người yêu cầu: {applicant.name} Số định danh cá nhân: "
                    f"{applicant.id_number} Số điện thoại: {phone}"
                )
        elif rng.random() < 0.4:
            top.append(f"Họ và tên: {people[0][1].name}")
        bottom: list[str] = []
        if number == pages:
            local = signed.astimezone(VIETNAM_TIME)
            bottom.append(
                f"{place['commune']}, ngày {local.day} tháng {local.month} năm {local.year}"
                f"\nCHỦ TỊCH\n{place['officer'].name}"
            )
        middle = (
            [f"{COMMON_WORD} đất số {parcel}, tờ bản đồ số {parcel % 97 + 1}"] if parcel else []
        )
        fixed = sum(len(p.encode()) + 1 for p in top + middle + bottom)
        target = max(300, min(6000, round(rng.gauss(PAGE_BYTES, 550))))
        room = max(60, target - fixed)
        if middle:
            share = rng.uniform(0.1, 0.9)
            body = [self._body(rng, room * share), *middle, self._body(rng, room * (1 - share))]
        else:
            body = [self._body(rng, room)]
        return "\n".join(top + body + bottom)

    # ---------------------------------------------------------------- rows

    def batches(self, size: int = BATCH) -> Iterator[Batch]:
        rng = random.Random(self.seed * 1_000_003 + 1)
        for place in self.places.values():
            place["officer"] = self._person(rng, born=rng.randint(1965, 1990))
        counters: dict[tuple[str, str], int] = {}
        kinds = list(DOCUMENT_WEIGHTS)
        kind_weights = list(DOCUMENT_WEIGHTS.values())
        batch = Batch()
        for index, (count, created) in enumerate(zip(self.sizes, self.times, strict=True)):
            unit = rng.choices(UNITS, self.unit_weights)[0]
            local = created.astimezone(VIETNAM_TIME)
            day = f"{local:%y%m%d}"
            counters[(unit, day)] = counters.get((unit, day), 0) + 1
            code = f"{unit}-{day}-{counters[(unit, day)]:04d}"
            applicant = self._person(rng, born=rng.randint(1950, 2005))
            phone = f"09{rng.randrange(10**8):08d}"
            dossier_id = index + 1
            if index == self.id_dossier:
                self.facts["id_number"] = applicant.id_number
                self.facts["id_dossier"] = code
            batch.dossiers.append(
                {
                    "id": dossier_id,
                    "unit_code": unit,
                    "code": code,
                    "procedure_code": rng.choice(PROCEDURES),
                    "received_date": local.date(),
                    "status": "closed" if rng.random() < 0.9 else "open",
                    "applicant_name": applicant.name,
                    "applicant_id_number": applicant.id_number,
                    "applicant_phone": phone,
                    "created_at": created,
                    "updated_at": created + timedelta(hours=rng.uniform(1, 72)),
                }
            )
            batch.applicants += [
                {
                    "dossier_id": dossier_id,
                    "document_id": None,
                    "field": APPLICANT,
                    "value": applicant.name,
                    "key": name_key(applicant.name),
                },
                {
                    "dossier_id": dossier_id,
                    "document_id": None,
                    "field": APPLICANT_ID,
                    "value": applicant.id_number,
                    "key": applicant.id_number,
                },
            ]
            for position in range(count):
                at = created + timedelta(minutes=2 * position + rng.uniform(0, 2))
                kind = rng.choices(kinds, kind_weights)[0] if position else "application_form"
                self._document(rng, batch, dossier_id, code, unit, kind, at, applicant, phone)
            if len(batch.documents) >= size:
                yield batch
                batch = Batch()
        if batch.documents:
            yield batch
        self.facts["documents"] = self.n
        self.facts["dossiers"] = len(self.sizes)

    def _document(
        self,
        rng: random.Random,
        batch: Batch,
        dossier_id: int,
        code: str,
        unit: str,
        kind: str,
        at: datetime,
        applicant: Person,
        phone: str,
    ) -> None:
        document_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        subject = applicant if rng.random() < 0.6 else self._person(rng)
        people: list[tuple[str, Person]] = [("Họ và tên", subject)]
        fields: dict[str, Any] | None = None
        if kind in ("birth_certificate", "birth_extract"):
            father, mother = self._person(rng, "Nam"), self._person(rng, "Nữ")
            people += [("Họ và tên cha", father), ("Họ và tên mẹ", mother)]
            fields = {"father_name": father.name, "mother_name": mother.name}
        elif kind == "marriage_certificate":
            spouse = self._person(rng, "Nữ" if subject.sex == "Nam" else "Nam")
            people.append(("Họ và tên vợ/chồng", spouse))
            husband, wife = (subject, spouse) if subject.sex == "Nam" else (spouse, subject)
            fields = {"husband_name": husband.name, "wife_name": wife.name}
        elif kind == "land_use_certificate":
            fields = {"holder_name": subject.name}
        elif kind == "household_book":
            fields = {"head_of_household": subject.name}
        elif kind == "power_of_attorney":
            agent = self._person(rng)
            people.append(("Người được ủy quyền", agent))
            fields = {"grantor_name": subject.name, "agent_name": agent.name}
        if kind in ("citizen_id", "birth_certificate", "birth_extract", "marital_status",
                    "death_extract", "diploma"):  # fmt: skip
            fields = {
                **(fields or {}),
                "full_name": subject.name,
                "date_of_birth": f"{subject.born:%d/%m/%Y}",
                "id_number": subject.id_number,
                "sex": subject.sex,
            }
        stored = (
            {
                name: {
                    "value": value,
                    "confidence": round(rng.uniform(0.7, 0.99), 3),
                    "page": 1,
                    "box": [rng.randint(100, 900), rng.randint(200, 2800), 600, 48],
                }
                for name, value in fields.items()
            }
            if fields
            else None
        )
        alternatives = rng.sample(list(DOCUMENT_WEIGHTS), 3)
        classification = {
            "model": "ngram-2026.11",
            "candidates": [
                [kind, round(rng.uniform(0.6, 0.99), 3)],
                *[[a, round(rng.uniform(0.0, 0.3), 3)] for a in alternatives if a != kind][:2],
            ],
            "evidence": ["title"],
        }
        pages = _choose(rng, PAGE_COUNTS)
        parcel = rng.randint(1, 2500) if rng.random() < COMMON_SHARE else None
        parcel_page = rng.randint(1, pages)
        done = at + timedelta(seconds=rng.uniform(40, 600))
        prefix = f"{unit}/{code}/{document_id}"
        label = DOCUMENT_TYPES[kind].split(",")[0].split("/")[0].strip()
        filename = (
            f"{label} {subject.name}.pdf"
            if rng.random() < 0.6
            else f"scan_{rng.randrange(10**4):04d}.pdf"
        )
        batch.documents.append(
            {
                "id": document_id,
                "dossier_id": dossier_id,
                "unit_code": unit,
                "filename": nfc(filename),
                "kind": "pdf",
                "content_type": "application/pdf",
                "size": pages * rng.randint(150_000, 900_000),
                "sha256": f"{rng.getrandbits(256):064x}",
                "page_count": pages,
                "pages_done": pages,
                "pages_failed": 0,
                "status": "done",
                "step": "done",
                "document_type": kind,
                "type_confidence": round(rng.uniform(0.6, 0.99), 3),
                "fields": stored,
                "is_certified_copy": rng.random() < 0.2,
                "classification": classification,
                "original_key": f"{prefix}/original.pdf",
                "pdf_key": f"{prefix}/searchable.pdf",
                "pdf_sha256": f"{rng.getrandbits(256):064x}",
                "text_key": f"{prefix}/text.txt",
                "text_sha256": f"{rng.getrandbits(256):064x}",
                "pages_key": f"{prefix}/pages.json",
                "pages_sha256": f"{rng.getrandbits(256):064x}",
                "done_at": done,
                "created_at": at,
                "updated_at": done,
            }
        )
        for number in range(1, pages + 1):
            page_text = self._page(
                rng,
                unit,
                kind,
                number,
                pages,
                people,
                applicant,
                phone,
                done,
                parcel if number == parcel_page else None,
            )
            batch.pages.append(
                {
                    "document_id": document_id,
                    "number": number,
                    "status": "done",
                    "attempts": 1,
                    "tries": 1,
                    "rotation": 0,
                    "skew": round(rng.uniform(-1.5, 1.5), 2),
                    "confidence": round(rng.uniform(0.8, 0.97), 3),
                    "text": page_text,
                    "image_key": f"{prefix}/pages/{number:04d}.png",
                    "image_sha256": f"{rng.getrandbits(256):064x}",
                    "result_key": f"{prefix}/pages/{number:04d}.json",
                    "result_sha256": f"{rng.getrandbits(256):064x}",
                    "thumbnail_key": f"{prefix}/pages/{number:04d}.thumb.png",
                    "thumbnail_sha256": f"{rng.getrandbits(256):064x}",
                    "timings": {
                        "render": round(rng.uniform(0.2, 0.8), 2),
                        "ocr": round(rng.uniform(2, 9), 2),
                    },
                    "created_at": at,
                    "updated_at": done,
                }
            )


# --------------------------------------------------------------------------------------
# Archives on disk: a SQLite file or a PostgreSQL database, kept with --reuse
# --------------------------------------------------------------------------------------


@dataclass
class Archive:
    backend: str  # "sqlite" or "postgresql"
    url: str
    label: str  # the file or the database name
    keep: bool
    sidecar: Path  # written once the archive is complete: what it holds, how it was built
    reused: bool = False
    build: dict[str, Any] = field(default_factory=dict)
    migrate_s: float = 0.0
    rewrite_s: float | None = None  # --rewrite: VACUUM FULL page_search took this long
    schema: str | None = None  # the alembic revision once opened
    engine: Engine | None = None
    sessions: sessionmaker[Session] | None = None

    def open(self) -> None:
        """Migrate (a kept archive gets the current schema, as a deployment would) and connect."""
        started = time.perf_counter()
        migrate(self.url)
        self.migrate_s = time.perf_counter() - started
        self.engine = make_engine(self.url)
        self.sessions = session_factory(self.engine)
        self.schema = self.revision()

    def revision(self) -> str | None:
        with self.session() as s:
            return s.scalar(text("SELECT version_num FROM alembic_version"))

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None

    @contextmanager
    def session(self) -> Iterator[Session]:
        assert self.sessions is not None
        with self.sessions.begin() as s:
            yield s


def rewrite_page_search(url: str) -> float:
    """``VACUUM FULL`` of a kept archive's ``page_search`` (``--rewrite``): rows written
    before a change of the table's storage (migration 0027) take the current layout, as
    README tells a deployment to do. As in the build, the GIN indexes are dropped first
    and built again after the rows, one connection each (VACUUM FULL would rebuild them
    one after another); then ANALYZE. Returns the seconds it took."""
    print("rewriting page_search (VACUUM FULL)", file=sys.stderr)
    started = time.perf_counter()
    engine = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def run(*statements: str) -> None:
        with engine.connect() as c:
            c.execute(text("SET maintenance_work_mem = '2GB'"))
            for statement in statements:
                c.execute(text(statement))

    try:
        with engine.connect() as c:
            wanted = gin_definitions(c)
        run(*(f"DROP INDEX IF EXISTS {index}" for index in wanted))
        run("VACUUM FULL page_search")
        with ThreadPoolExecutor(max_workers=max(1, len(wanted))) as pool:
            list(pool.map(run, wanted.values()))
        run("ANALYZE page_search")
    finally:
        engine.dispose()
    return time.perf_counter() - started


def gin_definitions(connection: Connection) -> dict[str, str]:
    """``page_search``'s GIN indexes as the migrations made them: name → ``CREATE INDEX``."""
    rows = connection.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "AND tablename = 'page_search' AND indexdef LIKE '%USING gin%'"
        )
    )
    return {name: definition for name, definition in rows}


def _pg_admin() -> Engine:
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _pg_exists(name: str) -> bool:
    admin = _pg_admin()
    try:
        with admin.connect() as c:
            found = c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            return found.first() is not None
    finally:
        admin.dispose()


def _pg_run(statement: str) -> None:
    admin = _pg_admin()
    try:
        with admin.connect() as c:
            c.execute(text(statement))
    finally:
        admin.dispose()


def _sidecar_matches(sidecar: Path, documents: int, seed: int) -> dict[str, Any] | None:
    try:
        built = json.loads(sidecar.read_text())
    except (OSError, ValueError):
        return None
    wanted = {"generator": GENERATOR, "documents": documents, "seed": seed}
    return built if all(built.get(k) == v for k, v in wanted.items()) else None


def prepare(backend: str, args: argparse.Namespace) -> Archive:
    """The archive to measure: a kept one that matches (``--reuse``), else a new empty one."""
    directory: Path = args.archive_dir
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"search-scale-{args.documents}" + (f"-s{args.seed}" if args.seed != SEED else "")
    if backend == "sqlite":
        path = directory / (f"{stem}.db" if args.reuse else f"{stem}.tmp-{os.getpid()}.db")
        archive = Archive(backend, f"sqlite:///{path}", str(path), args.reuse, Path(f"{path}.json"))
        built = _sidecar_matches(archive.sidecar, args.documents, args.seed)
        built = built if args.reuse and not args.rebuild else None
        if built is not None and path.exists():
            archive.reused, archive.build = True, built
            return archive
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), archive.sidecar):
            leftover.unlink(missing_ok=True)
        return archive
    name = "sohoa_bench_" + stem.removeprefix("search-scale-").replace("-", "_")
    if not args.reuse:
        name += f"_tmp_{secrets.token_hex(4)}"
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    sidecar = directory / f"{name}.postgresql.json"
    archive = Archive(backend, url, name, args.reuse and not args.drop, sidecar)
    built = _sidecar_matches(sidecar, args.documents, args.seed)
    built = built if args.reuse and not args.rebuild else None
    if built is not None and _pg_exists(name):
        archive.reused, archive.build = True, built
        return archive
    sidecar.unlink(missing_ok=True)
    _pg_run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_run(f'CREATE DATABASE "{name}"')
    return archive


def discard(archive: Archive) -> None:
    """Remove an archive that is not to be kept (and the sidecar of a dropped one)."""
    archive.close()
    if archive.keep:
        return
    archive.sidecar.unlink(missing_ok=True)
    if archive.backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(archive.label + suffix).unlink(missing_ok=True)
    else:
        _pg_run(f'DROP DATABASE IF EXISTS "{archive.label}" WITH (FORCE)')


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


@dataclass
class Loader:
    """Writes batches into one archive, timing the database's part (not the generator's)."""

    archive: Archive
    documents: int
    mode: str  # "index_document", "bulk" or "auto"
    rows_s: float = 0.0
    index_s: float = 0.0
    by_function: int = 0  # documents indexed by storage.search.index_document
    by_bulk: int = 0  # documents whose index rows were inserted in bulk
    function_s: float = 0.0
    bulk_checked: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # the counters
    # PostgreSQL's GIN indexes dropped for the bulk rows, built at the end: name → definition
    gin_deferred: dict[str, str] = field(default_factory=dict)

    def add(self, batch: Batch) -> None:
        """Write one batch (thread-safe once the first bulk batch is in: see ``build``)."""
        started = time.perf_counter()
        with self.archive.session() as s:
            s.execute(insert(Dossier), batch.dossiers)
            s.execute(insert(Document), batch.documents)
            s.execute(insert(Page), batch.pages)
            s.execute(insert(PersonEntry), batch.applicants)  # upsert_dossier's index_applicant
        with self.lock:
            self.rows_s += time.perf_counter() - started
        started = time.perf_counter()
        if self._use_function():
            with self.archive.session() as s:
                for row in batch.documents:
                    search_module.index_document(s, row["id"])
            spent = time.perf_counter() - started
            self.by_function += len(batch.documents)
            self.function_s += spent
        else:
            searchable, people = batch.index_rows()
            started = time.perf_counter()  # the fold is Python work shared by the backends
            with self.archive.session() as s:
                if self.archive.backend == "postgresql" and not self.gin_deferred:
                    # As a restore does: GIN is built once at the end, from sorted entries,
                    # instead of growing by every bulk row's ~700 lexemes (words, pairs).
                    deferred = gin_definitions(s.connection())
                    for index in deferred:
                        s.execute(text(f"DROP INDEX {index}"))
                    self.gin_deferred = deferred
                s.execute(insert(IndexedPage), searchable)
                if people:
                    s.execute(insert(PersonEntry), people)
            spent = time.perf_counter() - started
            with self.lock:
                self.by_bulk += len(batch.documents)
                if len(self.bulk_checked) < 3:
                    self.bulk_checked.append(batch.documents[len(batch.documents) // 2]["id"])
        with self.lock:
            self.index_s += spent

    def _create_gin(self, definition: str) -> None:
        with self.archive.session() as s:
            s.execute(text("SET LOCAL maintenance_work_mem = '2GB'"))
            s.execute(text(definition))

    def _use_function(self) -> bool:
        if self.mode != "auto":
            return self.mode == "index_document"
        if self.by_function == 0:
            return True
        if self.by_bulk:
            return False
        return self.projected_s <= INDEX_BUDGET_S

    @property
    def per_document_ms(self) -> float | None:
        return self.function_s / self.by_function * 1000 if self.by_function else None

    @property
    def projected_s(self) -> float:
        """index_document's time for the whole archive at the rate measured so far."""
        return self.function_s / max(1, self.by_function) * self.documents

    def check_bulk(self) -> list[str]:
        """Bulk rows must be exactly what index_document writes: re-index a few, compare."""
        problems = []
        for document_id in self.bulk_checked:
            before = self._index_of(document_id)
            with self.archive.session() as s:
                search_module.index_document(s, document_id)
            after = self._index_of(document_id)
            if before != after:
                problems.append(f"bulk index rows of {document_id} differ from index_document's")
        return problems

    def _index_of(self, document_id: str) -> tuple[list[Any], list[Any]]:
        columns = [c for c in IndexedPage.__table__.columns if c.key != "id"]
        with self.archive.session() as s:
            pages = s.execute(
                select(*columns)
                .where(IndexedPage.document_id == document_id)
                .order_by(IndexedPage.number)
            ).all()
            people = s.execute(
                select(PersonEntry.field, PersonEntry.value, PersonEntry.key)
                .where(PersonEntry.document_id == document_id)
                .order_by(PersonEntry.field, PersonEntry.key)
            ).all()
        return [tuple(p) for p in pages], [tuple(p) for p in people]

    def finish(self) -> dict[str, Any]:
        """Settle the archive as a running deployment would be, and say how it was loaded."""
        started = time.perf_counter()
        if self.gin_deferred:
            wanted = list(self.gin_deferred.values())
            with ThreadPoolExecutor(max_workers=len(wanted)) as pool:  # one core each
                list(pool.map(self._create_gin, wanted))
        gin_s = time.perf_counter() - started
        problems = self.check_bulk()
        started = time.perf_counter()
        assert self.archive.engine is not None
        if self.archive.backend == "postgresql":
            with self.archive.session() as s:  # explicit dossier ids: move the sequence on
                s.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence('dossiers', 'id'), "
                        "(SELECT max(id) FROM dossiers))"
                    )
                )
            raw = self.archive.engine.raw_connection()
            try:
                raw.driver_connection.autocommit = True
                raw.driver_connection.execute("VACUUM ANALYZE")  # what autovacuum does later
            finally:
                raw.close()
        else:  # outside a transaction: the engine's connections begin with BEGIN IMMEDIATE
            raw = self.archive.engine.raw_connection()
            try:
                raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
        settle = time.perf_counter() - started
        gin_note = ""
        if self.gin_deferred:
            gin_note = f"; GIN index built after the bulk rows ({gin_s:.0f} s)"
        if self.by_function == self.documents:
            how = "storage.search.index_document, one call per document"
        elif self.by_function:
            how = (
                f"storage.search.index_document for the first {self.by_function} documents, "
                f"then bulk inserts of the same rows for the other {self.by_bulk} "
                f"(index_document would have taken {self.projected_s / 60:.0f} min; the "
                "bulk rows' fold, computed once in Python for every backend, is not counted)"
            )
        else:
            how = (
                "bulk inserts of the rows index_document writes (their fold, computed once "
                "in Python for every backend, is not counted)"
            )
        return {
            "rows_s": round(self.rows_s, 2),
            "index_s": round(self.index_s, 2),
            "settle_s": round(settle + gin_s, 2),
            "settle": "VACUUM ANALYZE, dossiers' sequence set" + gin_note
            if self.archive.backend == "postgresql"
            else "WAL checkpoint (no ANALYZE: the project never runs it on SQLite)",
            "total_s": round(self.rows_s + self.index_s + settle + gin_s, 2),
            "index_how": how,
            "indexed_by_function": self.by_function,
            "indexed_in_bulk": self.by_bulk,
            "index_document_ms": round(self.per_document_ms, 3) if self.per_document_ms else None,
            "index_document_projected_min": round(self.projected_s / 60, 1)
            if self.by_function
            else None,
            "bulk_checked": len(self.bulk_checked),
            "problems": problems,
        }


def build(
    archives: list[Archive],
    generator: Generator,
    mode: str,
    connections: int = 1,
    batch_size: int = BATCH,
) -> float:
    """Generate the archive once and write each batch into every archive; generator seconds.

    With ``connections`` > 1 the bulk batches are written by that many connections at
    once (the database's work is one core per connection; a 1,000,000-document archive
    takes an hour on one). index_document batches and the first bulk one, which drops
    PostgreSQL's GIN indexes, are written alone first."""
    loaders = [Loader(a, generator.n, mode) for a in archives]
    pool = ThreadPoolExecutor(max_workers=connections) if connections > 1 else None
    in_flight: list[Future[None]] = []
    for loader in loaders:
        with loader.archive.session() as s:
            for unit, place in generator.places.items():
                repo.ensure_unit(s, unit, f"Xã {place['commune']}")
    generating = 0.0
    started = time.perf_counter()
    done = 0
    batches = generator.batches(batch_size)
    while True:
        began = time.perf_counter()
        batch = next(batches, None)
        generating += time.perf_counter() - began
        if batch is None:
            break
        for loader in loaders:
            # SQLite takes one writer at a time: more connections would only wait.
            if pool is not None and loader.by_bulk and loader.archive.backend == "postgresql":
                in_flight.append(pool.submit(loader.add, batch))
            else:
                loader.add(batch)
        while pool is not None and len(in_flight) > connections:  # bounded: memory
            in_flight.pop(0).result()
        done += len(batch.documents)
        rate = done / (time.perf_counter() - started)
        print(
            f"  {done}/{generator.n} documents loaded ({rate:.0f}/s overall) into "
            + ", ".join(
                f"{ld.archive.backend} [{'bulk' if ld.by_bulk else 'index_document'}]"
                for ld in loaders
            ),
            file=sys.stderr,
            flush=True,
        )
    for future in in_flight:
        future.result()
    if pool is not None:
        pool.shutdown()
    wall = time.perf_counter() - started - generating
    for loader in loaders:
        load = loader.finish()
        if pool is not None and loader.archive.backend == "postgresql":
            # The rows' and the index's seconds overlap: the wall time counts.
            load["connections"] = connections
            if len(loaders) == 1:  # (another archive's writes would be in the wall time)
                load["total_s"] = round(wall + load["settle_s"], 2)
        loader.archive.build = {
            "generator": GENERATOR,
            "documents": generator.n,
            "seed": generator.seed,
            "built_at": now(),
            "facts": generator.facts,
            "schema": loader.archive.schema,
            "load": load,
            "generator_s": round(generating, 2),
        }
        loader.archive.sidecar.write_text(json.dumps(loader.archive.build, indent=2) + "\n")
    return generating


# --------------------------------------------------------------------------------------
# Sizes
# --------------------------------------------------------------------------------------


def sizes(archive: Archive, documents: int) -> dict[str, Any]:
    """Bytes per document: the whole archive, per table (with its indexes), the page text."""
    with archive.session() as s:
        if archive.backend == "sqlite":
            path = Path(archive.label)
            total = path.stat().st_size + _size(Path(f"{path}-wal"))
            tables: dict[str, int] = {}
            for name, size in s.execute(
                text(
                    "SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat d "
                    "JOIN sqlite_master m ON m.name = d.name GROUP BY m.tbl_name"
                )
            ):
                key = "page_fts (FTS5 index)" if name.startswith("page_fts") else name
                tables[key] = tables.get(key, 0) + int(size)
            octets = "length(CAST({} AS BLOB))"
            free = s.scalar(text("PRAGMA freelist_count")) * s.scalar(text("PRAGMA page_size"))
            tables["(free pages)"] = int(free)
        else:
            total = s.scalar(text("SELECT pg_database_size(current_database())"))
            tables = {
                name: int(size)
                for name, size in s.execute(
                    text(
                        "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = 'public' AND c.relkind = 'r'"
                    )
                )
            }
            octets = "octet_length({})"
        present = {c["name"] for c in sa_inspect(s.connection()).get_columns("page_search")}
        columns = {"pages.text": ("pages", "text")} | {
            f"page_search.{c}": ("page_search", c)
            for c in ("text", "folded", "scope")
            if c in present
        }
        text_bytes = {
            label: int(s.scalar(text(f"SELECT SUM({octets.format(c)}) FROM {t}")) or 0)
            for label, (t, c) in columns.items()
        }
        stored = {}
        if archive.backend == "postgresql":  # on disk after TOAST compression
            vectors = [(f"page_search.{c}", ("page_search", c)) for c in GIN_INDEXES.values()]
            for label, (t, c) in [*columns.items(), *vectors]:
                if label == "page_search.scope" or (t == "page_search" and c not in present):
                    continue
                stored[label] = int(s.scalar(text(f"SELECT SUM(pg_column_size({c})) FROM {t}")))
            gins = [
                (f"page_search GIN index ({c})", i) for i, c in GIN_INDEXES.items() if c in present
            ]
            for label, index in (
                *gins,
                ("pages indexes", "pages"),
            ):
                query = (
                    "SELECT pg_relation_size(:i)"
                    if index.startswith("ix_")
                    else "SELECT pg_indexes_size(:i)"
                )
                stored[label] = int(s.scalar(text(query), {"i": index}))
        pages, mean_page = s.execute(
            text(f"SELECT count(*), AVG({octets.format('text')}) FROM pages")
        ).one()
    per = max(1, documents)
    return {
        "total_bytes": int(total),
        "bytes_per_document": round(total / per),
        "tables_per_document": {
            k: round(v / per) for k, v in sorted(tables.items(), key=lambda kv: -kv[1]) if v
        },
        "text_per_document": {k: round(v / per) for k, v in text_bytes.items()},
        "stored_per_document": {k: round(v / per) for k, v in stored.items()},
        "pages": int(pages),
        "page_text_bytes_mean": round(float(mean_page or 0)),
    }


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------


@dataclass
class Case:
    key: str
    group: str  # "search", "listing", "bare", "api"
    label: str
    call: Callable[[], Any]  # returns a small summary of the answer (counts)
    terms: str | None = None  # the bare-match terms this case is compared with
    times: list[float] = field(default_factory=list)
    result: Any = None

    def row(self) -> dict[str, Any]:
        ordered = sorted(self.times)
        return {
            "key": self.key,
            "group": self.group,
            "label": self.label,
            "terms": self.terms,
            "p50_ms": round(percentile(ordered, 50), 3),
            "p95_ms": round(percentile(ordered, 95), 3),
            "min_ms": round(ordered[0], 3) if ordered else None,
            "max_ms": round(ordered[-1], 3) if ordered else None,
            "runs": len(ordered),
            "result": self.result,
            "times_ms": [round(t, 3) for t in self.times],
        }


def run_case(case: Case, repeats: int, warmups: int = 3) -> None:
    for _ in range(warmups):
        case.result = case.call()
    for _ in range(repeats):
        started = time.perf_counter()
        case.result = case.call()
        case.times.append((time.perf_counter() - started) * 1000)


QUERIES = {
    "q1": ("nguyen van", "common name, unquoted: both words on most pages"),
    "q2": (None, "a 12-digit ID number, in exactly 2 documents"),
    "q3": (f'"{PHRASE_NAME.lower()}"', "exact phrase: a full name"),
    "q4": (COMMON_WORD, "a word in ~30 % of the documents"),
}


def query_texts(facts: dict[str, Any]) -> dict[str, str]:
    return {key: q if q is not None else facts["id_number"] for key, (q, _) in QUERIES.items()}


def cases(archive: Archive, facts: dict[str, Any], documents: int) -> list[Case]:
    sessions = archive.sessions
    assert sessions is not None
    unit = facts["unit"]
    q = query_texts(facts)

    def session_call(fn: Callable[[Session], Any]) -> Callable[[], Any]:
        def call() -> Any:
            with sessions.begin() as s:
                return fn(s)

        return call

    def searching(query: str, **kw: Any) -> Callable[[], Any]:
        def fn(s: Session) -> Any:
            found = search_module.search(s, query, **{"units": None, "limit": 20, **kw})
            exact = getattr(found, "total_exact", True)  # False: a lower bound (capped)
            return {"total": found.total, "exact": exact, "hits": len(found.hits)}

        return session_call(fn)

    found: list[Case] = [
        Case("q1", "search", f"search `{q['q1']}` ({QUERIES['q1'][1]})", searching(q["q1"]), "q1"),
        Case("q2", "search", f"search `{q['q2']}` ({QUERIES['q2'][1]})", searching(q["q2"]), "q2"),
        Case("q3", "search", f"search `{q['q3']}` ({QUERIES['q3'][1]})", searching(q["q3"]), "q3"),
        Case("q4", "search", f"search `{q['q4']}` ({QUERIES['q4'][1]})", searching(q["q4"]), "q4"),
        Case(
            "q5", "search", f"search `{q['q4']}`, units=[{unit}]",
            searching(q["q4"], units=[unit]), "q4",
        ),
        Case(
            "q6", "search", f"search `{q['q4']}`, offset=1000", searching(q["q4"], offset=1000),
            "q4",
        ),
    ]  # fmt: skip
    cursor = _search_cursor(archive, q["q4"])
    if cursor is not None:
        found.append(
            Case(
                "q6c",
                "search",
                f"search `{q['q4']}`, after= cursor at result 1000",
                searching(q["q4"], after=cursor),
                "q4",
            )
        )
    with archive.session() as s:
        dossiers = s.scalar(text("SELECT count(*) FROM dossiers")) or 0
        in_unit = s.scalar(text("SELECT count(*) FROM dossiers WHERE unit_code = :u"), {"u": unit})
        middle = _position(s, None, documents // 2)
        unit_docs = s.scalar(
            text("SELECT count(*) FROM documents WHERE unit_code = :u"), {"u": unit}
        )
        unit_middle = _position(s, unit, unit_docs // 2)
        last, unit_last = (dossiers - 1) // 50 * 50, (in_unit - 1) // 50 * 50
        last_after = _dossier_position(s, None, last - 1)
        unit_last_after = _dossier_position(s, unit, unit_last - 1)
    facts["unit_documents"], facts["unit_dossiers"] = unit_docs, in_unit
    listing = inspect.signature(repo.list_dossiers).parameters
    cap = listing["count_up_to"].default if "count_up_to" in listing else None

    def dossier_page(units: list[str] | None, offset: int, after: Any = None) -> Callable[[], Any]:
        keyset = {"after": after} if after is not None else {}

        def fn(s: Session) -> Any:
            total, rows = repo.list_dossiers(s, units=units, limit=50, offset=offset, **keyset)
            return {"total": total, "more": cap is not None and total > cap, "rows": len(rows)}

        return session_call(fn)

    def document_page(units: list[str] | None, after: Any) -> Callable[[], Any]:
        def fn(s: Session) -> Any:
            rows = repo.list_documents(
                s, units=units, where=repo.DocumentFilter(), after=after, limit=50
            )
            return {"rows": len(rows)}

        return session_call(fn)

    found += [
        Case("d1", "listing", "list_dossiers, every unit, first page", dossier_page(None, 0)),
        Case("d2", "listing", f"list_dossiers, every unit, last page (offset={last})",
             dossier_page(None, last)),
        Case("d3", "listing", f"list_dossiers, units=[{unit}], last page (offset={unit_last})",
             dossier_page([unit], unit_last)),
    ]  # fmt: skip
    if "after" in listing and last_after is not None:
        found.append(
            Case("d2c", "listing", "list_dossiers, every unit, last page by after= (keyset)",
                 dossier_page(None, 0, last_after))
        )  # fmt: skip
    if "after" in listing and unit_last_after is not None:
        found.append(
            Case("d3c", "listing", f"list_dossiers, units=[{unit}], last page by after=",
                 dossier_page([unit], 0, unit_last_after))
        )  # fmt: skip
    found += [
        Case("l1", "listing", "list_documents, every unit, first page", document_page(None, None)),
        Case("l2", "listing", f"list_documents, every unit, after= the {documents // 2}th",
             document_page(None, middle)),
        Case("l3", "listing", f"list_documents, units=[{unit}], first page",
             document_page([unit], None)),
        Case("l4", "listing", f"list_documents, units=[{unit}], after= the {unit_docs // 2}th",
             document_page([unit], unit_middle)),
    ]  # fmt: skip
    for key in ("q1", "q2", "q3", "q4"):
        terms = parse_query(q[key])
        if archive.backend == "sqlite":
            match, where = fts5_query(terms), "page_fts MATCH :q"
            first = f"SELECT rowid FROM page_fts WHERE {where} LIMIT 20"
            count = f"SELECT count(*) FROM page_fts WHERE {where}"
        else:
            match, where = tsquery(terms), "tsv @@ to_tsquery('simple', :q)"
            first = f"SELECT id FROM page_search WHERE {where} LIMIT 20"
            count = f"SELECT count(*) FROM page_search WHERE {where}"
        found.append(
            Case(f"b{key[1]}", "bare", f"`{first}` :q = `{match}`", _raw(sessions, first, match),
                 key)
        )  # fmt: skip
        found.append(
            Case(f"c{key[1]}", "bare", f"`{count}` :q = `{match}`",
                 _raw(sessions, count, match, scalar=True), key)
        )  # fmt: skip
    return found


def truth(archive: Archive, facts: dict[str, Any]) -> dict[str, int]:
    """Documents each search query matches, counted outright (untimed): what ``total``
    must be when exact, and bound when not."""
    q = query_texts(facts)
    found = {}
    with archive.session() as s:
        for key, units in (("q1", None), ("q2", None), ("q3", None), ("q4", None), ("q5", True)):
            terms = parse_query(q[key if key != "q5" else "q4"])
            if archive.backend == "sqlite":
                sql = (
                    "SELECT count(DISTINCT ps.document_id) FROM page_fts "
                    "JOIN page_search ps ON ps.id = page_fts.rowid "
                    "JOIN documents d ON d.id = ps.document_id "
                    "WHERE page_fts MATCH :q"
                )
                match = fts5_query(terms)
            else:
                sql = (
                    "SELECT count(DISTINCT ps.document_id) FROM page_search ps "
                    "JOIN documents d ON d.id = ps.document_id "
                    "WHERE ps.tsv @@ to_tsquery('simple', :q)"
                )
                match = tsquery(terms)
            if units:
                sql += " AND d.unit_code = :u"
            found[key] = int(s.scalar(text(sql), {"q": match, "u": facts["unit"]}) or 0)
    return found


def _raw(
    sessions: sessionmaker[Session], sql: str, match: str, *, scalar: bool = False
) -> Callable[[], Any]:
    statement = text(sql)

    def call() -> Any:
        with sessions.begin() as s:
            if scalar:
                return {"pages": s.scalar(statement, {"q": match})}
            return {"rows": len(s.execute(statement, {"q": match}).all())}

    return call


def _position(s: Session, unit: str | None, rank: int) -> repo.Position | None:
    query = select(Document.created_at, Document.id)
    if unit is not None:
        query = query.where(Document.unit_code == unit)
    row = s.execute(
        query.order_by(Document.created_at.desc(), Document.id.desc()).offset(rank).limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def _dossier_position(s: Session, unit: str | None, rank: int) -> tuple[datetime, int] | None:
    """The ``(created_at, id)`` of the dossier at ``rank`` in the listing's order."""
    if rank < 0:
        return None
    query = select(Dossier.created_at, Dossier.id)
    if unit is not None:
        query = query.where(Dossier.unit_code == unit)
    row = s.execute(
        query.order_by(Dossier.created_at.desc(), Dossier.id.desc()).offset(rank).limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def _search_cursor(archive: Archive, query: str) -> Any:
    """If ``search`` pages by cursor (``after=``), the cursor after result 1000, else None."""
    if "after" not in inspect.signature(search_module.search).parameters:
        return None
    cursor = None
    with archive.session() as s:
        for _ in range(5):
            page = search_module.search(s, query, units=None, limit=200, after=cursor)
            names = ("next_after", "next_cursor", "after", "cursor", "next")
            cursor = next((getattr(page, n) for n in names if getattr(page, n, None)), None)
            if cursor is None:
                return None
    return cursor


# --------------------------------------------------------------------------------------
# The API, in-process
# --------------------------------------------------------------------------------------


@contextmanager
def api_client(archive: Archive, unit: str) -> Iterator[tuple[Any, str, str]]:
    """A TestClient over ``api.app.create_app`` on the archive, an admin key, a clerk key."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from core.settings import Settings
    from pipeline.runtime import Runtime
    from storage import apikeys
    from storage.objects import object_store_from_settings

    assert archive.sessions is not None
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-") as data:
        settings = Settings(_env_file=None, data_dir=Path(data), database_url=archive.url)
        rt = Runtime(
            settings=settings, sessions=archive.sessions, store=object_store_from_settings(settings)
        )
        with rt.session() as s:
            _, admin = apikeys.create_key(s, role="admin", name="bench admin", actor="bench")
            _, clerk = apikeys.create_key(
                s, role="clerk", units=[unit], name="bench clerk", actor="bench"
            )
        with TestClient(create_app(rt)) as client:
            yield client, admin, clerk


def api_cases(client: Any, admin: str, clerk: str, facts: dict[str, Any]) -> list[Case]:
    q = query_texts(facts)

    def get(path: str, key: str, **params: Any) -> Callable[[], Any]:
        headers = {"Authorization": f"Bearer {key}"}

        def call() -> Any:
            answer = client.get(path, params=params, headers=headers)
            if answer.status_code != 200:
                return {"status": answer.status_code, "body": answer.text[:300]}
            body = answer.json()
            out = {"status": 200}
            if "total" in body:
                out["total"] = body["total"]
            items = body.get("hits", body.get("items"))
            if items is not None:
                out["rows"] = len(items)
            return out

        return call

    search = "/api/v1/search"
    return [
        Case("a1", "api", f"GET {search}?q={q['q1']}", get(search, admin, q=q["q1"]), "q1"),
        Case("a2", "api", f"GET {search}?q={q['q2']}", get(search, admin, q=q["q2"]), "q2"),
        Case("a4", "api", f"GET {search}?q={q['q4']}", get(search, admin, q=q["q4"]), "q4"),
        Case("a5", "api", f"GET {search}?q={q['q4']} (clerk of {facts['unit']})",
             get(search, clerk, q=q["q4"]), "q4"),
        Case("a7", "api", "GET /api/v1/dossiers?limit=50",
             get("/api/v1/dossiers", admin, limit=50)),
        Case("a8", "api", "GET /api/v1/documents?limit=50",
             get("/api/v1/documents", admin, limit=50)),
    ]  # fmt: skip


# --------------------------------------------------------------------------------------
# A backend's run
# --------------------------------------------------------------------------------------


def _postmaster() -> int | None:
    for process in psutil.process_iter(["name", "ppid"]):
        try:
            if process.info["name"] == "postgres":
                parent = psutil.Process(process.info["ppid"])
                if parent.name() != "postgres":
                    return process.pid
        except psutil.Error:
            continue
    return None


def _progress(archive: Archive, case: Case) -> None:
    p50 = percentile(sorted(case.times), 50)
    print(f"  {archive.backend} {case.key}: p50 {p50:.2f} ms {case.result}", file=sys.stderr)


def measure(archive: Archive, facts: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    roots = {"benchmark": os.getpid()}
    postmaster = _postmaster()
    if postmaster is not None:
        roots = {"PostgreSQL": postmaster, **roots}
    meter = CpuMeter(roots)
    problems: list[str] = []
    started = meter.snapshot()
    began = time.perf_counter()
    load_before = os.getloadavg()
    measured = cases(archive, facts, args.documents)
    counted = truth(archive, facts)
    for case in measured:
        run_case(case, args.repeats)
        _progress(archive, case)
    try:
        with api_client(archive, facts["unit"]) as (client, admin, clerk):
            for case in api_cases(client, admin, clerk, facts):
                run_case(case, args.repeats)
                measured.append(case)
                _progress(archive, case)
    except Exception as exc:  # the API's set-up failing must not lose the storage numbers
        problems.append(f"API not measured: {type(exc).__name__}: {exc}")
    cpu = meter.spent(started, meter.snapshot())
    wall = time.perf_counter() - began
    problems += check(measured, facts, counted)
    return {
        "truth": counted,
        "cases": [c.row() for c in measured],
        "problems": problems,
        "cpu_s": cpu,
        "wall_s": round(wall, 1),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }


def check(measured: list[Case], facts: dict[str, Any], counted: dict[str, int]) -> list[str]:
    """The answers must be right, not only fast: totals against what the archive holds."""
    by = {c.key: c.result for c in measured}
    problems = []
    n = facts["documents"]
    if counted["q2"] != 2:
        problems.append(f"the ID number is in {counted['q2']} documents, not 2")
    if not counted["q1"] > n / 2:
        problems.append(f"'nguyen van' is in {counted['q1']} documents: expected most")
    if not 0.27 < counted["q4"] / n < 0.33:
        problems.append(f"'{COMMON_WORD}' is in {counted['q4'] / n:.1%} of documents, not ~30 %")
    for key in ("q1", "q2", "q3", "q4", "q5", "q6", "q6c"):
        answer = by.get(key)
        if answer is None:
            continue
        real = counted["q5" if key == "q5" else "q4" if key.startswith("q6") else key]
        total, exact = answer["total"], answer.get("exact", True)
        if (exact and total != real) or (not exact and total > real):
            problems.append(f"{key}: total {total} (exact: {exact}) but {real} documents match")
        wanted = min(20, max(0, total - 1000)) if key == "q6" else None
        if wanted is not None and exact and answer["hits"] != wanted:
            problems.append(f"q6: {answer['hits']} hits at offset 1000 of {total}")
    listing = inspect.signature(repo.list_dossiers).parameters
    cap = listing["count_up_to"].default if "count_up_to" in listing else None
    expected = facts["dossiers"] if cap is None else min(facts["dossiers"], cap + 1)
    if by.get("d1", {}).get("total") != expected:
        problems.append(f"list_dossiers counted {by.get('d1')}, not {expected} dossiers")
    for key, other in (("d2c", "d2"), ("d3c", "d3")):
        if key in by and by[key]["rows"] != by[other]["rows"]:
            problems.append(
                f"{key}: {by[key]['rows']} rows by keyset, {by[other]['rows']} by offset"
            )
    for api_key, storage_key in (("a1", "q1"), ("a2", "q2"), ("a4", "q4"), ("a5", "q5")):
        answer = by.get(api_key)
        if answer is None:
            continue
        if answer.get("status") != 200:
            problems.append(f"API {api_key} answered {answer}")
        elif answer.get("total") != by[storage_key]["total"]:
            problems.append(f"API {api_key} total {answer.get('total')} ≠ {by[storage_key]}")
    for key in ("a7", "a8"):
        answer = by.get(key)
        if answer is not None and (answer.get("status") != 200 or answer.get("rows") != 50):
            problems.append(f"API {key} answered {answer}")
    return problems


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.search_scale",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--documents", type=int, default=100_000, help="archive size (100000)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--out", type=Path, default=None, help="results folder (bench/results/search-scale-<date>)"
    )
    parser.add_argument(
        "--archive-dir",
        type=Path,
        default=None,
        help="where archives and their descriptions live (default: --out); keep it outside "
        "the repository for --reuse, e.g. /work/bench-archives",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the archive (SQLite file, PostgreSQL database sohoa_bench_<N>) and use a "
        "kept one of the same size, seed and generator instead of building it again",
    )
    parser.add_argument(
        "--drop", action="store_true", help="with --reuse: drop the PostgreSQL database at the end"
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="with --reuse: build the kept archive anew even if it matches (a new schema's sizes)",
    )
    parser.add_argument(
        "--rewrite",
        action="store_true",
        help="with --reuse on PostgreSQL: VACUUM FULL page_search after migrating, so that "
        "rows written before a storage change (migration 0027) take the current layout",
    )
    parser.add_argument(
        "--index",
        choices=("auto", "index_document", "bulk"),
        default="auto",
        help="how the search index is written: auto (default) calls index_document and "
        f"switches to bulk rows if the whole archive would take over {INDEX_BUDGET_S // 60} "
        "min per backend",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=2,
        help="PostgreSQL connections writing bulk batches at once (2: one per core here); "
        "SQLite always takes one",
    )
    parser.add_argument("--batch", type=int, default=BATCH, help=f"documents per write ({BATCH})")
    parser.add_argument("--repeats", type=int, default=30, help="timed runs per query (30)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.documents < 100:
        parser.error("--documents must be at least 100")
    if args.batch < 1:
        parser.error("--batch must be at least 1")
    if args.connections < 1:
        parser.error("--connections must be at least 1")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    args.out = args.out or REPO / "bench" / "results" / f"search-scale-{date.today():%Y-%m-%d}"
    args.archive_dir = args.archive_dir or args.out
    return args


CODE = (
    "storage/search.py",
    "storage/search_query.py",
    "storage/repository/documents.py",
    "storage/repository/dossiers.py",
    "storage/migrations/versions",
    "api/routes_documents.py",
)


def code_versions() -> dict[str, str]:
    """What was measured, without git: a hash of each file (folder) the queries run through."""
    found = {}
    for name in CODE:
        path = REPO / name
        files = sorted(path.glob("*.py")) if path.is_dir() else [path]
        digest = hashlib.sha256()
        for f in files:
            digest.update(f.read_bytes())
        found[name] = digest.hexdigest()[:12]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    meta: dict[str, Any] = {
        "date": now(),
        "machine": machine_facts(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "documents": args.documents,
        "seed": args.seed,
        "generator": GENERATOR,
        "repeats": args.repeats,
        "warmups": 3,
        "search_has_after": "after" in inspect.signature(search_module.search).parameters,
        "search_candidates": getattr(search_module, "CANDIDATES", None),
        "search_narrow_candidates": getattr(search_module, "NARROW_CANDIDATES", None),
        "code": code_versions(),
        "command": " ".join(["python -m bench.search_scale", *(sys.argv[1:] if argv is None
                                                              else argv)]),
    }  # fmt: skip
    archives = [prepare(b, args) for b in backends]
    results: dict[str, Any] = {}
    try:
        for archive in archives:
            archive.open()
            if args.rewrite and archive.reused and archive.backend == "postgresql":
                archive.rewrite_s = rewrite_page_search(archive.url)
        fresh = [a for a in archives if not a.reused]
        generator = Generator(args.documents, args.seed)
        if fresh:
            print(f"building {args.documents} documents into "
                  + ", ".join(a.label for a in fresh), file=sys.stderr)  # fmt: skip
            build(fresh, generator, args.index, args.connections, args.batch)
        facts = {**(fresh[0].build if fresh else archives[0].build)["facts"]}
        for archive in archives:
            if archive.build["facts"] != facts:
                raise SystemExit(f"{archive.label} holds another archive than {archives[0].label}")
        facts["unit"] = UNITS[9]
        facts["common_word"] = COMMON_WORD
        facts["phrase"] = PHRASE_NAME
        facts["queries"] = query_texts(facts)
        meta["facts"] = facts
        # The generator's lists (a million dossiers' sizes and times) made every full
        # collection of this process's garbage collector walk them: runs 55-170 ms slower
        # every dozen or so, in searches and listings alike (p95 = those pauses). Frozen,
        # the collector leaves them alone; what is timed is the query, not this process.
        gc.collect()
        gc.freeze()
        meta["gc_frozen"] = gc.get_freeze_count()
        for archive in archives:
            print(f"measuring {archive.backend} ({archive.label})", file=sys.stderr)
            found = measure(archive, facts, args)
            found["archive"] = {
                "label": archive.label if archive.keep else f"{archive.label} (removed after)",
                "reused": archive.reused,
                "kept": archive.keep,
                "built_at": archive.build.get("built_at"),
                "schema_built": archive.build.get("schema"),
                "schema": archive.schema,
                "migrate_s": round(archive.migrate_s, 1),
                "rewrite_s": archive.rewrite_s,
            }
            found["load"] = archive.build["load"]
            found["generator_s"] = archive.build.get("generator_s")
            found["sizes"] = sizes(archive, args.documents)
            found["problems"] = archive.build["load"].get("problems", []) + found["problems"]
            results[archive.backend] = found
    finally:
        for archive in archives:
            discard(archive)
    meta["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    stem = f"search-scale-{args.documents}"
    markdown = report.render_markdown(meta, results)
    (args.out / f"{stem}.md").write_text(markdown)
    (args.out / f"{stem}.json").write_text(
        json.dumps({"meta": meta, "backends": results}, indent=2, ensure_ascii=False, default=str)
        + "\n"
    )
    print(markdown)
    print(f"written: {args.out / stem}.md, .json", file=sys.stderr)
    return 1 if any(r["problems"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
