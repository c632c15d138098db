"""A synthetic national backlog, written to PostgreSQL by COPY.

700 agencies in a tree (the Government Office, ministries and agencies under the Government,
63 provinces and cities, their departments), 20,000 officials, N tasks over five years of
directives with realistic deadlines and statuses (about a fifth open, most completed, some
late, a few drafts, cancellations and standing tasks), about three progress reports per task,
coordinating agencies, extension requests, and the default escalation ladder.

Every row satisfies the database's constraints (the five clears unless draft, dates on
completed tasks, an original deadline kept, one pending extension per task ...): PostgreSQL
checks them during COPY, and foreign keys are checked at commit.

The escalation sweep's figure needs a known number of tasks due on the reference day, so the
generator asks the real ladder (``notifications.services``) which deadlines have a rung on
that day, keeps every other open task off those deadlines, and puts exactly ``due`` open
tasks on them. Everything else follows from a seeded random generator, so a run is
reproducible for a given size, seed and reference day.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from agencies.choices import AgencyKind, Role
from notifications.calendar import load_calendar
from notifications.defaults import install_defaults
from notifications.models import CalendarOverride, EscalationRule
from notifications.services import rungs_in_window
from tasks.choices import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    DirectiveKind,
    ExtensionStatus,
    OccurrenceStatus,
    Recurrence,
    ResultKind,
    TaskField,
    TaskStatus,
)
from tasks.occurrences import schedule

DAY = dt.timedelta(days=1)

# --- the agency register --------------------------------------------------------------------

GOVERNMENT_OFFICE = ("VPCP", "Văn phòng Chính phủ", "Government Office")

MINISTRIES = [
    ("MOD", "Bộ Quốc phòng", "Ministry of National Defence"),
    ("MPS", "Bộ Công an", "Ministry of Public Security"),
    ("MOFA", "Bộ Ngoại giao", "Ministry of Foreign Affairs"),
    ("MOHA", "Bộ Nội vụ", "Ministry of Home Affairs"),
    ("MOJ", "Bộ Tư pháp", "Ministry of Justice"),
    ("MPI", "Bộ Kế hoạch và Đầu tư", "Ministry of Planning and Investment"),
    ("MOF", "Bộ Tài chính", "Ministry of Finance"),
    ("MOIT", "Bộ Công Thương", "Ministry of Industry and Trade"),
    ("MARD", "Bộ Nông nghiệp và Phát triển nông thôn", "Ministry of Agriculture and Rural Development"),
    ("MOT", "Bộ Giao thông vận tải", "Ministry of Transport"),
    ("MOC", "Bộ Xây dựng", "Ministry of Construction"),
    ("MONRE", "Bộ Tài nguyên và Môi trường", "Ministry of Natural Resources and Environment"),
    ("MIC", "Bộ Thông tin và Truyền thông", "Ministry of Information and Communications"),
    ("MOLISA", "Bộ Lao động - Thương binh và Xã hội", "Ministry of Labour, Invalids and Social Affairs"),
    ("MOCST", "Bộ Văn hóa, Thể thao và Du lịch", "Ministry of Culture, Sports and Tourism"),
    ("MOST", "Bộ Khoa học và Công nghệ", "Ministry of Science and Technology"),
    ("MOET", "Bộ Giáo dục và Đào tạo", "Ministry of Education and Training"),
    ("MOH", "Bộ Y tế", "Ministry of Health"),
]
MINISTERIAL_AGENCIES = [
    ("CEMA", "Ủy ban Dân tộc", "Committee for Ethnic Minority Affairs"),
    ("SBV", "Ngân hàng Nhà nước Việt Nam", "State Bank of Vietnam"),
    ("GI", "Thanh tra Chính phủ", "Government Inspectorate"),
]
GOVERNMENT_AGENCIES = [
    ("VSS", "Bảo hiểm xã hội Việt Nam", "Vietnam Social Security"),
    ("VAST", "Viện Hàn lâm Khoa học và Công nghệ Việt Nam", "Vietnam Academy of Science and Technology"),
    ("VASS", "Viện Hàn lâm Khoa học xã hội Việt Nam", "Vietnam Academy of Social Sciences"),
    ("VNA", "Thông tấn xã Việt Nam", "Vietnam News Agency"),
    ("VOV", "Đài Tiếng nói Việt Nam", "Voice of Vietnam"),
    ("VTV", "Đài Truyền hình Việt Nam", "Vietnam Television"),
    ("HCMA", "Học viện Chính trị quốc gia Hồ Chí Minh", "Ho Chi Minh National Academy of Politics"),
    (
        "CMSC",
        "Ủy ban Quản lý vốn nhà nước tại doanh nghiệp",
        "Commission for the Management of State Capital",
    ),
]
CITIES = [
    ("HANOI", "Hà Nội"),
    ("HCMC", "Hồ Chí Minh"),
    ("HAIPHONG", "Hải Phòng"),
    ("DANANG", "Đà Nẵng"),
    ("CANTHO", "Cần Thơ"),
]
PROVINCES = [
    ("ANGIANG", "An Giang"),
    ("BARIAVUNGTAU", "Bà Rịa - Vũng Tàu"),
    ("BACGIANG", "Bắc Giang"),
    ("BACKAN", "Bắc Kạn"),
    ("BACLIEU", "Bạc Liêu"),
    ("BACNINH", "Bắc Ninh"),
    ("BENTRE", "Bến Tre"),
    ("BINHDINH", "Bình Định"),
    ("BINHDUONG", "Bình Dương"),
    ("BINHPHUOC", "Bình Phước"),
    ("BINHTHUAN", "Bình Thuận"),
    ("CAMAU", "Cà Mau"),
    ("CAOBANG", "Cao Bằng"),
    ("DAKLAK", "Đắk Lắk"),
    ("DAKNONG", "Đắk Nông"),
    ("DIENBIEN", "Điện Biên"),
    ("DONGNAI", "Đồng Nai"),
    ("DONGTHAP", "Đồng Tháp"),
    ("GIALAI", "Gia Lai"),
    ("HAGIANG", "Hà Giang"),
    ("HANAM", "Hà Nam"),
    ("HATINH", "Hà Tĩnh"),
    ("HAIDUONG", "Hải Dương"),
    ("HAUGIANG", "Hậu Giang"),
    ("HOABINH", "Hòa Bình"),
    ("HUNGYEN", "Hưng Yên"),
    ("KHANHHOA", "Khánh Hòa"),
    ("KIENGIANG", "Kiên Giang"),
    ("KONTUM", "Kon Tum"),
    ("LAICHAU", "Lai Châu"),
    ("LAMDONG", "Lâm Đồng"),
    ("LANGSON", "Lạng Sơn"),
    ("LAOCAI", "Lào Cai"),
    ("LONGAN", "Long An"),
    ("NAMDINH", "Nam Định"),
    ("NGHEAN", "Nghệ An"),
    ("NINHBINH", "Ninh Bình"),
    ("NINHTHUAN", "Ninh Thuận"),
    ("PHUTHO", "Phú Thọ"),
    ("PHUYEN", "Phú Yên"),
    ("QUANGBINH", "Quảng Bình"),
    ("QUANGNAM", "Quảng Nam"),
    ("QUANGNGAI", "Quảng Ngãi"),
    ("QUANGNINH", "Quảng Ninh"),
    ("QUANGTRI", "Quảng Trị"),
    ("SOCTRANG", "Sóc Trăng"),
    ("SONLA", "Sơn La"),
    ("TAYNINH", "Tây Ninh"),
    ("THAIBINH", "Thái Bình"),
    ("THAINGUYEN", "Thái Nguyên"),
    ("THANHHOA", "Thanh Hóa"),
    ("THUATHIENHUE", "Thừa Thiên Huế"),
    ("TIENGIANG", "Tiền Giang"),
    ("TRAVINH", "Trà Vinh"),
    ("TUYENQUANG", "Tuyên Quang"),
    ("VINHLONG", "Vĩnh Long"),
    ("VINHPHUC", "Vĩnh Phúc"),
    ("YENBAI", "Yên Bái"),
]
PROVINCE_DEPARTMENTS = [
    ("STC", "Sở Tài chính", "Department of Finance"),
    ("SKHDT", "Sở Kế hoạch và Đầu tư", "Department of Planning and Investment"),
    ("STTTT", "Sở Thông tin và Truyền thông", "Department of Information and Communications"),
    ("SNV", "Sở Nội vụ", "Department of Home Affairs"),
    ("STP", "Sở Tư pháp", "Department of Justice"),
    ("SYT", "Sở Y tế", "Department of Health"),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "Department of Education and Training"),
    ("SXD", "Sở Xây dựng", "Department of Construction"),
    ("SCT", "Sở Công Thương", "Department of Industry and Trade"),
    ("STNMT", "Sở Tài nguyên và Môi trường", "Department of Natural Resources and Environment"),
    ("SGTVT", "Sở Giao thông vận tải", "Department of Transport"),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", "Department of Agriculture and Rural Development"),
]
MINISTRY_UNITS = [
    ("VP", "Văn phòng", "Office"),
    ("VPC", "Vụ Pháp chế", "Legal Department"),
    ("VKHTC", "Vụ Kế hoạch - Tài chính", "Department of Planning and Finance"),
    ("VTCCB", "Vụ Tổ chức cán bộ", "Department of Personnel"),
    ("TTRA", "Thanh tra", "Inspectorate"),
    ("CCNTT", "Cục Công nghệ thông tin", "Information Technology Agency"),
]

# --- words for titles and results -----------------------------------------------------------

VERBS = [
    "Xây dựng",
    "Hoàn thiện",
    "Triển khai",
    "Rà soát",
    "Trình",
    "Ban hành",
    "Tổ chức",
    "Đánh giá",
    "Kiểm tra",
    "Báo cáo",
    "Cắt giảm",
    "Số hóa",
    "Tích hợp",
    "Hướng dẫn",
    "Đôn đốc",
]
OBJECTS = {
    TaskField.DIGITAL_TRANSFORMATION: [
        "dịch vụ công trực tuyến toàn trình",
        "nền tảng chia sẻ dữ liệu",
        "hệ thống thông tin báo cáo",
        "Đề án 06 về dữ liệu dân cư",
        "chữ ký số cho cán bộ, công chức",
        "kho dữ liệu dùng chung",
    ],
    TaskField.ADMINISTRATIVE_PROCEDURES: [
        "thủ tục hành chính liên quan đến doanh nghiệp",
        "quy trình nội bộ giải quyết thủ tục hành chính",
        "bộ phận một cửa",
        "phương án đơn giản hóa thủ tục hành chính",
        "điều kiện kinh doanh",
    ],
    TaskField.LEGISLATION: [
        "dự thảo Luật sửa đổi, bổ sung",
        "Nghị định quy định chi tiết",
        "Thông tư hướng dẫn",
        "văn bản quy phạm pháp luật chồng chéo",
        "hồ sơ chính sách",
    ],
    TaskField.DATA: [
        "cơ sở dữ liệu quốc gia về đất đai",
        "cơ sở dữ liệu chuyên ngành",
        "dữ liệu mở",
        "danh mục dữ liệu dùng chung",
        "kết nối với Cổng Dịch vụ công quốc gia",
    ],
    TaskField.EMULATION: ["phong trào thi đua", "hồ sơ khen thưởng", "tổng kết công tác thi đua"],
    TaskField.OTHER: [
        "kế hoạch giải ngân vốn đầu tư công",
        "công tác phòng, chống thiên tai",
        "kế hoạch năm",
        "báo cáo tình hình kinh tế - xã hội",
        "chương trình mục tiêu quốc gia",
    ],
}
FIELDS = list(OBJECTS)
FIELD_WEIGHTS = [20, 20, 15, 12, 5, 28]
DELIVERABLES = [
    "Báo cáo gửi Văn phòng Chính phủ",
    "Dự thảo trình Thủ tướng Chính phủ",
    "Quyết định được ban hành",
    "Đề án được phê duyệt",
    "Hệ thống vận hành chính thức",
    "Kế hoạch được ban hành",
]
#: How many more tasks an agency of each kind leads than a ministry or province (4).
KIND_WEIGHT: dict[str, int] = {AgencyKind.GOVERNMENT_OFFICE: 2, AgencyKind.DEPARTMENT: 1, AgencyKind.CITY: 8}

INDICATORS = [
    ("Tỷ lệ hồ sơ được xử lý trực tuyến", 80, "%"),
    ("Số thủ tục hành chính được cắt giảm", 120, "thủ tục"),
    ("Tỷ lệ giải ngân vốn đầu tư công", 95, "%"),
    ("Số bản ghi dữ liệu được làm sạch", 500000, "bản ghi"),
]
NOTES = [
    "Đang tổng hợp ý kiến các đơn vị.",
    "Đã họp với các bộ, ngành liên quan.",
    "Đã hoàn thành dự thảo lần 1.",
    "Đang lấy ý kiến thẩm định.",
    "Gặp vướng mắc về kinh phí, đề nghị hỗ trợ.",
    "Đã trình lãnh đạo xem xét.",
]


# --- progress -------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on stderr (no terminal needed; redrawn at most 5 times a second)."""

    def __init__(self, label: str, total: int, stream=None, enabled: bool = True):
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.started = self.last = time.monotonic()

    def update(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if self.enabled and (now - self.last > 0.2 or self.done >= self.total):
            self.last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        share = min(self.done / self.total, 1.0)
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        bar = "#" * int(share * 30)
        self.stream.write(
            f"\r{self.label:<22} [{bar:<30}] {share:6.1%} {self.done:>10,}/{self.total:,}"
            f" {rate:>9,.0f}/s eta {eta:5.0f}s"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()


# --- configuration and result ---------------------------------------------------------------


@dataclass
class Sizes:
    """How big the dataset is. ``due`` is the number of open tasks with a ladder rung on
    ``as_of`` (default: 1% of the tasks)."""

    tasks: int
    agencies: int = 700
    officials: int = 20_000
    reports_per_task: float = 3.0
    years: int = 5
    due: int | None = None
    seed: int = 8
    as_of: dt.date | None = None

    @property
    def due_count(self) -> int:
        return self.due if self.due is not None else max(1, self.tasks // 100)


@dataclass
class Summary:
    as_of: dt.date
    rows: dict[str, int] = field(default_factory=dict)
    due_tasks: int = 0
    due_deadlines: int = 0
    open_tasks: int = 0
    seconds: float = 0.0


# --- helpers --------------------------------------------------------------------------------


def reference_day(today: dt.date | None = None) -> dt.date:
    """The dataset's 'today': the latest working day on or before today in Hanoi, so that
    the ladder's working-day rungs fall on it."""

    today = today or timezone.localdate()
    return load_calendar(today.year - 1, today.year + 1).on_or_before(today)


def due_deadlines(as_of: dt.date, years: int) -> dict[dt.date, int]:
    """Deadlines that have a rung of the active ladder due on ``as_of``, asked of the real
    sweep code; the value is 1 for rungs of the first pass and 0 for weekly repetitions."""
    rules = list(EscalationRule.objects.filter(is_active=True))
    oldest = as_of - dt.timedelta(days=366 * (years + 1))
    calendar = load_calendar(oldest.year - 1, as_of.year + 2)
    found = rungs_in_window(calendar, rules, as_of, as_of, oldest)
    return {day: int(any(r.period == 0 for r in rungs)) for day, rungs in found.items()}


def ts(day: dt.date, hour: int, minute: int = 0) -> str:
    """A Hanoi wall-clock time as PostgreSQL reads it."""
    return f"{day.isoformat()} {hour:02d}:{minute:02d}:00+07"


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY rows into a table through Django's own connection (psycopg 3 ``cursor.copy``)."""
    count = 0
    with connection.cursor() as cursor:
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


TABLES = [
    # Children first for TRUNCATE; loaded parents first.
    "notifications_reminder",
    "notifications_sweepstate",
    "notifications_notificationpreference",
    "tasks_taskevent",
    "tasks_evidencefile",
    "tasks_extensionrequest",
    "tasks_progressreport",
    "tasks_taskoccurrence",
    "tasks_task_coordinating_agencies",
    "tasks_task",
    "tasks_directive",
    "knox_authtoken",
    "agencies_official",
    "agencies_agency",
]
LOADED = [
    "agencies_agency",
    "agencies_official",
    "tasks_directive",
    "tasks_task",
    "tasks_task_coordinating_agencies",
    "tasks_taskoccurrence",
    "tasks_progressreport",
    "tasks_extensionrequest",
]
#: Big tables whose secondary indexes are dropped for the load and built afterwards.
REINDEXED = [
    "tasks_task",
    "tasks_task_coordinating_agencies",
    "tasks_progressreport",
    "tasks_extensionrequest",
]


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, definition) of the indexes that back no constraint: safe to drop and rebuild."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = %s AND i.schemaname = current_schema()
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            ORDER BY i.indexname
            """,
            [table],
        )
        return cursor.fetchall()


# --- the generator --------------------------------------------------------------------------


class Generator:
    def __init__(self, sizes: Sizes, *, progress: bool = True, stream=None):
        self.sizes = sizes
        self.rng = random.Random(sizes.seed)
        self.as_of = sizes.as_of or reference_day()
        self.progress = progress
        self.stream = stream or sys.stderr
        self.summary = Summary(as_of=self.as_of)

    def log(self, text: str) -> None:
        if self.progress:
            self.stream.write(text + "\n")
            self.stream.flush()

    # The whole run ---------------------------------------------------------------------------

    def run(self) -> Summary:
        if connection.vendor != "postgresql":
            raise RuntimeError("The benchmark generator needs PostgreSQL (COPY).")
        started = time.monotonic()
        self._reset()
        with transaction.atomic():
            self._agencies()
            self._officials()
        self._due = due_deadlines(self.as_of, self.sizes.years)
        self._due_near = sorted(d for d, first in self._due.items() if first)
        self._due_repeat = sorted(d for d, first in self._due.items() if not first)
        self.summary.due_deadlines = len(self._due)
        saved = {table: _secondary_indexes(table) for table in REINDEXED}
        with connection.cursor() as cursor:
            for indexes in saved.values():
                for name, _definition in indexes:
                    cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        try:
            self._directives_and_tasks()
        finally:
            self._rebuild_indexes(saved)
        self._finish()
        self.summary.seconds = time.monotonic() - started
        return self.summary

    def _reset(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        install_defaults(EscalationRule, CalendarOverride)

    def _rebuild_indexes(self, saved: dict[str, list[tuple[str, str]]]) -> None:
        total = sum(len(v) for v in saved.values())
        bar = Progress("indexes", total, self.stream, self.progress)
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for indexes in saved.values():
                for _name, definition in indexes:
                    cursor.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
                    bar.update(1)
            cursor.execute("RESET maintenance_work_mem")
        bar.close()

    def _finish(self) -> None:
        with connection.cursor() as cursor:
            for table in LOADED:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = cursor.fetchone()[0]
                if sequence:
                    cursor.execute(
                        f"SELECT setval(%s, COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)",  # noqa: S608
                        [sequence],
                    )
            started = time.monotonic()
            self.log("VACUUM ANALYZE ...")
            for table in TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")
            self.log(f"VACUUM ANALYZE done in {time.monotonic() - started:.1f}s")
            for table in TABLES:
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
                self.summary.rows[table] = cursor.fetchone()[0]

    # Agencies and officials --------------------------------------------------------------------

    def _agencies(self) -> None:
        rows: list[tuple] = []
        self.agency_code: dict[int, str] = {}
        self.agency_kind: dict[int, str] = {}
        self.agency_parent: dict[int, int | None] = {}
        self.children: dict[int, list[int]] = {}

        def add(code: str, vi: str, en: str, kind: str, parent: int | None) -> int:
            pk = len(rows) + 1
            rows.append((pk, code, vi, en, kind, f"vanthu@{code.lower()}.gov.vn", True, parent))
            self.agency_code[pk], self.agency_kind[pk], self.agency_parent[pk] = code, kind, parent
            self.children[pk] = []
            if parent:
                self.children[parent].append(pk)
            return pk

        self.go = add(*GOVERNMENT_OFFICE, AgencyKind.GOVERNMENT_OFFICE, None)
        self.ministries = [add(*m, AgencyKind.MINISTRY, None) for m in MINISTRIES]
        self.ministries += [add(*m, AgencyKind.MINISTERIAL_AGENCY, None) for m in MINISTERIAL_AGENCIES]
        self.ministries += [add(*m, AgencyKind.GOVERNMENT_AGENCY, None) for m in GOVERNMENT_AGENCIES]
        self.provinces = [
            add(
                code,
                f"Ủy ban nhân dân thành phố {vi}",
                f"{vi} City People's Committee",
                AgencyKind.CITY,
                None,
            )
            for code, vi in CITIES
        ]
        self.provinces += [
            add(
                code,
                f"Ủy ban nhân dân tỉnh {vi}",
                f"{vi} Provincial People's Committee",
                AgencyKind.PROVINCE,
                None,
            )
            for code, vi in PROVINCES
        ]
        # Departments round by round, so every parent gets its first units before any gets more.
        parents = [(p, PROVINCE_DEPARTMENTS) for p in self.provinces] + [
            (m, MINISTRY_UNITS) for m in self.ministries
        ]
        round_ = 0
        while len(rows) < self.sizes.agencies and any(round_ < len(units) for _, units in parents):
            for parent, units in parents:
                if len(rows) >= self.sizes.agencies:
                    break
                if round_ < len(units):
                    code, vi, en = units[round_]
                    parent_code = self.agency_code[parent]
                    add(
                        f"{parent_code}_{code}",
                        f"{vi} {parent_code}",
                        f"{en}, {parent_code}",
                        AgencyKind.DEPARTMENT,
                        parent,
                    )
            round_ += 1
        copy_rows(
            "agencies_agency",
            ["id", "code", "name_vi", "name_en", "kind", "email", "is_active", "parent_id"],
            rows,
        )
        self.agency_ids = [r[0] for r in rows]
        # Bigger agencies lead more tasks: weights used throughout.
        self.weight = {pk: KIND_WEIGHT.get(kind, 4) for pk, kind in self.agency_kind.items()}
        self.log(f"agencies: {len(rows)}")

    def _officials(self) -> None:
        rng = self.rng
        monitors = 30
        total = max(self.sizes.officials, len(self.agency_ids) * 5 + monitors + 1)
        staff_weights = {pk: (3 if self.agency_parent[pk] is None else 1) for pk in self.agency_ids}
        weight_sum = sum(staff_weights.values())
        spare = total - monitors - 1 - 5 * len(self.agency_ids)
        per_agency = {pk: 5 + spare * w // weight_sum for pk, w in staff_weights.items()}
        per_agency[self.go] += total - monitors - 1 - sum(per_agency.values())
        rows: list[tuple] = []
        self.heads: dict[int, int] = {}
        self.leaders: dict[int, list[int]] = {}
        self.focal_points: dict[int, list[int]] = {}
        self.staff: dict[int, list[int]] = {}
        self.monitor_ids: list[int] = []
        joined = ts(self.as_of - dt.timedelta(days=366 * (self.sizes.years + 1)), 8)

        def add(username, agency, role, position, supervisor, first, last) -> int:
            pk = len(rows) + 1
            email = f"{username}@{self.agency_code[agency].lower() if agency else 'admin'}.gov.vn"
            if rng.random() < 0.02:
                email = ""  # a few officials have no address: the outbox records it
            language = "en" if rng.random() < 0.08 else "vi"
            rows.append(
                (
                    "!",
                    None,
                    role == Role.ADMIN,
                    username,
                    first,
                    last,
                    email,
                    role == Role.ADMIN,
                    True,
                    joined,
                    position,
                    role,
                    language,
                    supervisor,
                    agency,
                    "",
                    pk,
                )
            )
            return pk

        family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
        given = [
            "An",
            "Bình",
            "Chi",
            "Dũng",
            "Giang",
            "Hà",
            "Hải",
            "Hạnh",
            "Hùng",
            "Lan",
            "Linh",
            "Minh",
            "Nam",
            "Ngọc",
            "Phương",
            "Quân",
            "Sơn",
            "Thảo",
            "Trang",
            "Tuấn",
            "Vân",
            "Việt",
        ]

        def name() -> tuple[str, str]:
            return rng.choice(given), rng.choice(family)

        add("admin", None, Role.ADMIN, "Quản trị hệ thống", None, "Quản", "Trị")
        for n in range(monitors):
            self.monitor_ids.append(
                add(f"vpcp.monitor{n + 1:02d}", self.go, Role.MONITOR, "Chuyên viên theo dõi", None, *name())
            )
        # Parents before children, so a department head's supervisor (the parent's head) exists.
        for agency in self.agency_ids:
            count = per_agency[agency]
            code = self.agency_code[agency].lower()
            parent = self.agency_parent[agency]
            parent_head = self.heads.get(parent) if parent else None
            head = add(f"{code}.01", agency, Role.LEADER, "Thủ trưởng cơ quan", parent_head, *name())
            self.heads[agency] = head
            leaders = [head]
            leaders += [
                add(f"{code}.{i:02d}", agency, Role.LEADER, "Phó Thủ trưởng", head, *name()) for i in (2, 3)
            ]
            focal = [
                add(f"{code}.{i:02d}", agency, Role.FOCAL_POINT, "Chuyên viên đầu mối", leaders[1], *name())
                for i in (4, 5)
            ]
            staff = [
                add(f"{code}.{i:02d}", agency, Role.LEADER, "Trưởng phòng", rng.choice(leaders), *name())
                for i in range(6, count + 1)
            ]
            self.leaders[agency] = leaders
            self.focal_points[agency] = focal
            # The responsible official is usually a unit head or a deputy.
            self.staff[agency] = staff + leaders[1:] if staff else leaders
        copy_rows(
            "agencies_official",
            [
                "password",
                "last_login",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "position",
                "role",
                "language",
                "supervisor_id",
                "agency_id",
                "calendar_token_hash",
                "id",
            ],
            rows,
        )
        self.log(f"officials: {len(rows)}")

    # Directives and tasks ----------------------------------------------------------------------

    def _directive_plan(self) -> list[tuple]:
        """(id, number, kind, title, issued_on, issuer, task count) for every directive, in
        issue order, with task counts adding up to exactly ``tasks``."""
        rng = self.rng
        start = self.as_of - dt.timedelta(days=int(365.25 * self.sizes.years))
        span = (self.as_of - start).days
        counts: list[int] = []
        remaining = self.sizes.tasks
        while remaining > 0:
            count = min(remaining, max(1, int(rng.lognormvariate(2.6, 0.7))))  # median 13, mean ~17
            counts.append(count)
            remaining -= count
        days = sorted(start + dt.timedelta(days=rng.randrange(span)) for _ in counts)
        numbers: dict[tuple, int] = {}
        plan = []
        for index, (count, issued) in enumerate(zip(counts, days, strict=True), start=1):
            roll = rng.random()
            if roll < 0.35:
                issuer = self.go
                kind, abbr = rng.choices(
                    [
                        (DirectiveKind.NOTICE, "TB-VPCP"),
                        (DirectiveKind.RESOLUTION, "NQ-CP"),
                        (DirectiveKind.DECISION, "QĐ-TTg"),
                        (DirectiveKind.DIRECTIVE, "CT-TTg"),
                        (DirectiveKind.DISPATCH, "CĐ-TTg"),
                    ],
                    [55, 15, 15, 10, 5],
                )[0]
            elif roll < 0.45:
                issuer = rng.choice(self.ministries)
                kind, abbr = rng.choice([(DirectiveKind.DECISION, "QĐ"), (DirectiveKind.PLAN, "KH")])
                abbr = f"{abbr}-{self.agency_code[issuer]}"
            else:
                issuer = rng.choice(self.provinces)
                kind, abbr = rng.choice(
                    [(DirectiveKind.DECISION, "QĐ"), (DirectiveKind.PLAN, "KH"), (DirectiveKind.NOTICE, "TB")]
                )
                abbr = f"{abbr}-UBND-{self.agency_code[issuer]}"
            key = (abbr, issued.year)
            numbers[key] = numbers.get(key, 0) + 1
            number = f"{numbers[key]}/{issued.year}/{abbr}"
            field_ = rng.choices(FIELDS, FIELD_WEIGHTS)[0]
            title = f"Về {rng.choice(OBJECTS[field_])} ({self.agency_code[issuer]}, {issued:%m/%Y})"
            plan.append((index, number, kind, title, issued, issuer, count, field_))
        return plan

    def _directives_and_tasks(self) -> None:
        plan = self._directive_plan()
        copy_rows(
            "tasks_directive",
            [
                "id",
                "number",
                "kind",
                "title",
                "issued_on",
                "issuing_agency_id",
                "signer",
                "full_text",
                "link",
                "created_at",
                "title_en",
            ],
            (
                (pk, number, kind, title, issued, issuer, "", "", "", ts(issued, 9), "")
                for pk, number, kind, title, issued, issuer, _count, _field in plan
            ),
        )
        self.log(f"directives: {len(plan)}")
        self.task_id = 0
        self.report_id = 0
        self.m2m_id = 0
        self.occurrence_id = 0
        self.extension_id = 0
        self.due_left = self.sizes.due_count
        self.tasks_left = self.sizes.tasks
        self.lead_choices = self._lead_choices()
        bar = Progress("tasks + reports", self.sizes.tasks, self.stream, self.progress)
        buffers = self._empty_buffers()
        for directive in plan:
            for seq in range(1, directive[6] + 1):
                self._task(directive, seq, buffers)
            if len(buffers["tasks"]) >= 20_000:
                self._flush(buffers, bar)
                buffers = self._empty_buffers()
        self._flush(buffers, bar)
        bar.close()
        self.summary.due_tasks = self.sizes.due_count - self.due_left

    @staticmethod
    def _empty_buffers() -> dict[str, list]:
        return {"tasks": [], "m2m": [], "occurrences": [], "reports": [], "extensions": []}

    def _flush(self, buffers: dict[str, list], bar: Progress) -> None:
        with transaction.atomic():
            copy_rows("tasks_task", TASK_COLUMNS, buffers["tasks"])
            copy_rows("tasks_task_coordinating_agencies", ["id", "task_id", "agency_id"], buffers["m2m"])
            copy_rows("tasks_taskoccurrence", OCCURRENCE_COLUMNS, buffers["occurrences"])
            copy_rows("tasks_progressreport", REPORT_COLUMNS, buffers["reports"])
            copy_rows("tasks_extensionrequest", EXTENSION_COLUMNS, buffers["extensions"])
        bar.update(len(buffers["tasks"]))

    def _lead_choices(self) -> dict[str, tuple[list[int], list[float]]]:
        def cumulative(ids: list[int]) -> tuple[list[int], list[float]]:
            total, acc = 0.0, []
            for pk in ids:
                total += self.weight[pk]
                acc.append(total)
            return ids, acc

        return {
            "national": cumulative(self.ministries + self.provinces),
            "ministry_units": cumulative(
                self.ministries + [c for m in self.ministries for c in self.children[m]]
            ),
        }

    def _pick(self, key: str) -> int:
        ids, acc = self.lead_choices[key]
        return self.rng.choices(ids, cum_weights=acc)[0]

    def _lead_for(self, issuer: int) -> int:
        rng = self.rng
        if issuer == self.go:
            return self._pick("national")
        units = self.children[issuer]
        if self.agency_kind[issuer] in (AgencyKind.PROVINCE, AgencyKind.CITY):
            return rng.choice(units) if units and rng.random() < 0.8 else issuer
        if rng.random() < 0.3:
            return rng.choice(self.provinces)
        return rng.choice(units) if units and rng.random() < 0.7 else issuer

    def _deadline_lead(self) -> int:
        roll = self.rng.random()
        if roll < 0.4:
            return self.rng.randint(15, 90)
        if roll < 0.8:
            return self.rng.randint(91, 365)
        return self.rng.randint(366, 730)

    def _take_due(self) -> bool:
        """Selection sampling: exactly ``due`` of the open tasks end up on a due deadline."""
        if self.due_left <= 0:
            return False
        if self.due_left >= self.tasks_left:
            return True
        return self.rng.random() < self.due_left / self.tasks_left

    def _task(self, directive: tuple, seq: int, buffers: dict[str, list]) -> None:
        rng = self.rng
        as_of = self.as_of
        directive_id, number, _kind, _title, issued, issuer, _count, directive_field = directive
        self.task_id += 1
        self.tasks_left -= 1
        pk = self.task_id
        lead = self._lead_for(issuer)
        field_ = directive_field if rng.random() < 0.7 else rng.choices(FIELDS, FIELD_WEIGHTS)[0]
        verb, obj = rng.choice(VERBS), rng.choice(OBJECTS[field_])
        title = f"{verb} {obj}"
        description = f"{title}; bảo đảm chất lượng, đúng tiến độ theo {number}."
        responsible: int | None = rng.choice(self.staff[lead])
        leader = rng.choice(self.leaders[lead][:2])
        # Only a Government Office monitor may create a task (tasks.add_task); each follows a
        # share of the directives.
        creator = self.monitor_ids[directive_id % len(self.monitor_ids)]
        if rng.random() < 0.8:
            result_kind, expected, target, unit = ResultKind.DELIVERABLE, rng.choice(DELIVERABLES), None, ""
        else:
            expected, target, unit = rng.choice(INDICATORS)
            result_kind = ResultKind.INDICATOR
        assigned_day = min(issued + dt.timedelta(days=rng.randint(0, 7)), as_of)
        recurrence = Recurrence.NONE
        planned = issued + dt.timedelta(days=self._deadline_lead())
        deadline: dt.date | None = planned
        original = deadline
        roll = rng.random()
        recent = (as_of - issued).days < 60
        designated = self._take_due()
        status: str
        if designated:
            status, deadline = self._due_task(issued)
            original = deadline
            self.due_left -= 1
        elif recent and roll < 0.06:
            status = TaskStatus.DRAFT
            # A draft lacks a clear or two: nobody named yet, or no result spelled out.
            if rng.random() < 0.5:
                responsible = None
            else:
                expected = ""
        elif roll < 0.03:
            recurrence = rng.choice([Recurrence.MONTHLY, Recurrence.QUARTERLY, Recurrence.YEARLY])
            deadline = original = None
            status = rng.choice([TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.IN_PROGRESS])
        elif roll < 0.05:
            status = TaskStatus.CANCELLED
        else:
            status = self._status_for(planned)
        extensions: list[tuple] = []
        open_ = status in OPEN_STATUSES
        if deadline is not None and status in ACTIVE_STATUSES and not designated:
            # Only the designated tasks may sit on a deadline that has a rung due today.
            while deadline in self._due:
                deadline += DAY
            original = deadline
        if open_:
            self.summary.open_tasks += 1
        # A few tasks had a deadline moved by an approved extension; the original is kept.
        if deadline is not None and status != TaskStatus.DRAFT and rng.random() < 0.06:
            moved = rng.randint(15, 90)
            # (original is still the deadline here: nothing has moved it yet)
            if deadline - dt.timedelta(days=moved) > assigned_day + dt.timedelta(days=7):
                original = deadline - dt.timedelta(days=moved)
                self.extension_id += 1
                requested = max(original - dt.timedelta(days=10), assigned_day)
                extensions.append(
                    (
                        self.extension_id,
                        ts(requested, 10),
                        original,
                        deadline,
                        "Cần thêm thời gian lấy ý kiến.",
                        ExtensionStatus.APPROVED,
                        ts(requested + dt.timedelta(days=3), 15),
                        "Đồng ý gia hạn.",
                        rng.choice(self.monitor_ids),
                        rng.choice(self.focal_points[lead]),
                        pk,
                    )
                )
        if deadline is not None and open_ and rng.random() < 0.01 and deadline >= as_of:
            self.extension_id += 1
            extensions.append(
                (
                    self.extension_id,
                    ts(as_of - dt.timedelta(days=2), 9),
                    deadline,
                    deadline + dt.timedelta(days=30),
                    "Đề nghị gia hạn do vướng mắc thủ tục.",
                    ExtensionStatus.PENDING,
                    None,
                    "",
                    None,
                    rng.choice(self.focal_points[lead]),
                    pk,
                )
            )
        # Dates of the life cycle.
        assigned_at = submitted_at = completed_at = None
        completion_date = confirmed_on = None
        progress, current = 0, None
        summary_text = reason = ""
        version = 1
        updated = issued
        report_end = as_of
        if status != TaskStatus.DRAFT:
            assigned_at = ts(assigned_day, 9, rng.randrange(60))
            version, updated = 2, assigned_day
        if status == TaskStatus.IN_PROGRESS:
            version, progress = 3, rng.randint(5, 90)
        elif status == TaskStatus.SUBMITTED:
            day = max(assigned_day, as_of - dt.timedelta(days=rng.randint(0, 30)))
            submitted_at, version, progress, updated, report_end = ts(day, 15), 4, 100, day, day
            summary_text = "Đã hoàn thành, gửi kèm báo cáo kết quả."
        elif status == TaskStatus.COMPLETED:
            assert deadline is not None  # only _status_for, given a deadline, yields COMPLETED
            completion_date = self._completion_day(assigned_day, deadline)
            confirmed_on = min(completion_date + dt.timedelta(days=rng.randint(0, 14)), as_of)
            submitted_at, completed_at = ts(completion_date, 15), ts(confirmed_on, 10)
            version, progress, updated, report_end = 5, 100, confirmed_on, completion_date
            summary_text = "Đã hoàn thành theo yêu cầu."
        elif status == TaskStatus.CANCELLED:
            day = min(assigned_day + dt.timedelta(days=rng.randint(1, 60)), as_of)
            version, updated, reason = 3, day, "Nhiệm vụ không còn phù hợp, đã được thay thế."
        if result_kind == ResultKind.INDICATOR and target is not None:
            current = target if status == TaskStatus.COMPLETED else round(target * progress / 100, 2)
        buffers["tasks"].append(
            (
                pk,
                f"{number}-T{seq:02d}",
                title,
                description,
                field_,
                deadline,
                original,
                "",
                recurrence,
                result_kind,
                expected,
                target,
                unit,
                current,
                status,
                progress,
                summary_text,
                assigned_at,
                submitted_at,
                completed_at,
                completion_date,
                confirmed_on,
                reason,
                version,
                ts(issued, 9),
                ts(updated, 16),
                leader,
                creator,
                directive_id,
                lead,
                responsible,
                False,
                *ENGLISH_BLANK,
            )
        )
        coordinating = self._coordinating(lead)
        for agency in coordinating:
            self.m2m_id += 1
            buffers["m2m"].append((self.m2m_id, pk, agency))
        buffers["extensions"].extend(extensions)
        if recurrence != Recurrence.NONE and status in OPEN_STATUSES:
            self._occurrences(pk, recurrence, assigned_day, buffers["occurrences"])
        if status not in (TaskStatus.DRAFT, TaskStatus.CANCELLED):
            self._reports(
                pk, lead, responsible, coordinating, assigned_day, report_end, progress, buffers["reports"]
            )

    def _status_for(self, deadline: dt.date) -> str:
        rng = self.rng
        overdue_by = (self.as_of - deadline).days
        # Old tasks are mostly closed; a backlog of overdue ones lingers for years.
        chance = 0.8 if overdue_by <= 0 else 0.45 * math.exp(-overdue_by / 365)
        open_ = rng.random() < chance
        if not open_:
            return TaskStatus.COMPLETED
        return rng.choices([TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.SUBMITTED], [25, 60, 15])[
            0
        ]

    def _due_task(self, issued: dt.date) -> tuple[str, dt.date]:
        """An open task whose deadline has a rung due on the reference day."""
        rng = self.rng
        pool = self._due_near if rng.random() < 0.5 else self._due_repeat
        low, high = issued + dt.timedelta(days=7), issued + dt.timedelta(days=730)
        eligible = [d for d in pool if low <= d <= high] or [d for d in self._due if d >= issued]
        if not eligible:  # issued after every due deadline: the latest one will do
            eligible = [max(self._due)]
        return rng.choice([TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS]), rng.choice(eligible)

    def _completion_day(self, assigned: dt.date, deadline: dt.date) -> dt.date:
        """The day the confirmed result was submitted: mostly on time, a quarter late."""
        rng = self.rng
        last = self.as_of - DAY
        if deadline < self.as_of and rng.random() < 0.28:
            latest = min(deadline + dt.timedelta(days=120), last)
            if latest > deadline:
                return deadline + dt.timedelta(days=rng.randint(1, (latest - deadline).days))
        low = max(assigned + DAY, deadline - dt.timedelta(days=45))
        high = min(deadline, last)
        if high < low:
            return min(assigned + DAY, self.as_of)
        return low + dt.timedelta(days=rng.randint(0, (high - low).days))

    def _coordinating(self, lead: int) -> list[int]:
        rng = self.rng
        count = rng.choices([0, 1, 2, 3], [35, 35, 20, 10])[0]
        chosen: list[int] = []
        for _ in range(count):
            agency = self._pick("national")
            if agency != lead and agency not in chosen:
                chosen.append(agency)
        return chosen

    def _occurrences(self, task: int, recurrence: str, assigned: dt.date, out: list) -> None:
        """A standing task's occurrences, by the product's own rule (``tasks.occurrences``) up
        to the horizon it generates ahead, so that the backlog counts them as it counts a live
        one's: most past periods done (mostly on time), some left open and so overdue."""
        rng = self.rng
        periods = schedule(
            recurrence,
            None,
            first_due=assigned,
            after=None,
            until=self.as_of + dt.timedelta(days=settings.STANDING_TASKS_HORIZON_DAYS),
        )
        for period in periods:
            self.occurrence_id += 1
            status, done = OccurrenceStatus.OPEN, None
            # An open occurrence whose due date has a rung due on the reference day would be a
            # sweep candidate beyond the designated ones: it was done early instead.
            due_today = period.due_on in self._due and period.start <= self.as_of
            if due_today or (period.due_on < self.as_of and rng.random() < 0.85):
                if due_today or rng.random() < 0.8:
                    done = max(
                        min(period.due_on, self.as_of) - dt.timedelta(days=rng.randint(0, 5)), period.start
                    )
                else:
                    done = min(period.due_on + dt.timedelta(days=rng.randint(1, 20)), self.as_of)
                status = OccurrenceStatus.COMPLETED
            out.append(
                (
                    self.occurrence_id,
                    task,
                    period.start,
                    period.end,
                    period.due_on,
                    status,
                    done,
                    ts(done, 15) if done else None,
                    ts(max(period.start - dt.timedelta(days=45), assigned), 2),
                )
            )

    def _reports(self, task, lead, responsible, coordinating, start, end, progress, out: list) -> None:
        rng = self.rng
        mean = self.sizes.reports_per_task
        count = rng.randint(0, round(2 * mean))
        if count == 0 or end < start:
            return
        span = (end - start).days
        days = sorted(start + dt.timedelta(days=rng.randint(0, span)) for _ in range(count))
        for i, day in enumerate(days, start=1):
            self.report_id += 1
            percent = min(100, round(max(progress, 10) * i / count))
            if coordinating and rng.random() < 0.15:
                agency = rng.choice(coordinating)
                author, contribution = rng.choice(self.focal_points[agency]), True
            else:
                agency, contribution = lead, False
                author = (
                    responsible if responsible and rng.random() < 0.7 else rng.choice(self.focal_points[lead])
                )
            out.append(
                (
                    self.report_id,
                    day,
                    percent,
                    None,
                    rng.choice(NOTES),
                    contribution,
                    ts(day, 14),
                    agency,
                    author,
                    task,
                )
            )


TASK_COLUMNS = [
    "id",
    "code",
    "title",
    "description",
    "field",
    "deadline",
    "original_deadline",
    "deadline_phrase",
    "recurrence",
    "result_kind",
    "expected_result",
    "target_value",
    "target_unit",
    "current_value",
    "status",
    "progress",
    "result_summary",
    "assigned_at",
    "submitted_at",
    "completed_at",
    "completion_date",
    "completion_confirmed_on",
    "status_reason",
    "version",
    "created_at",
    "updated_at",
    "accountable_leader_id",
    "created_by_id",
    "directive_id",
    "lead_agency_id",
    "responsible_official_id",
    "requires_signed_result",
    # the English translations (tasks.models.EnglishText): none in the synthetic data
    "title_en",
    "description_en",
    "deadline_phrase_en",
    "expected_result_en",
    "target_unit_en",
]
ENGLISH_BLANK = ("",) * 5
REPORT_COLUMNS = [
    "id",
    "reported_on",
    "percent",
    "indicator_value",
    "note",
    "is_contribution",
    "created_at",
    "agency_id",
    "author_id",
    "task_id",
]
OCCURRENCE_COLUMNS = [
    "id",
    "task_id",
    "period_start",
    "period_end",
    "due_on",
    "status",
    "completion_date",
    "completed_at",
    "created_at",
]
EXTENSION_COLUMNS = [
    "id",
    "requested_at",
    "current_deadline",
    "proposed_deadline",
    "reason",
    "status",
    "decided_at",
    "decision_note",
    "decided_by_id",
    "requested_by_id",
    "task_id",
]


def generate(sizes: Sizes, *, progress: bool = True, stream=None) -> Summary:
    """Wipe the benchmark tables and fill them; returns what was written."""
    return Generator(sizes, progress=progress, stream=stream).run()
