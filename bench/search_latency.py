"""Search benchmark: a synthetic corpus of Hebrew, Arabic and English call segments (prefixes,
diacritics, Zipf-distributed words), loaded into a backend; prints the index build rate and
p50/p95/p99 latency of a fixed query mix.

    .venv/bin/python bench/search_latency.py --segments 100000 --backend sqlite
    .venv/bin/python bench/search_latency.py --segments 1000000 --backend postgresql://postgres@127.0.0.1/test

A PostgreSQL URL gets a fresh database of its own (created and dropped here).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage.database import Database  # noqa: E402
from storage.search_index import search  # noqa: E402
from storage.segment_keys import segment_id  # noqa: E402
from storage.tables import CallRow, SegmentRow  # noqa: E402
from storage.terms import index_forms  # noqa: E402
from storage.text import normalize  # noqa: E402
from storage.vocabulary import remember_terms  # noqa: E402

SEED_WORDS = {
    "en": [
        "account",
        "refund",
        "charge",
        "charged",
        "twice",
        "card",
        "credit",
        "bank",
        "transfer",
        "payment",
        "cancel",
        "subscription",
        "internet",
        "router",
        "technician",
        "manager",
        "complaint",
        "invoice",
        "billing",
        "balance",
        "problem",
        "verify",
        "password",
        "address",
        "number",
        "help",
        "today",
        "tomorrow",
        "please",
        "thank",
        "sorry",
        "wait",
        "hold",
        "supervisor",
        "fraud",
        "dispute",
        "late",
        "fee",
        "interest",
        "loan",
        "statement",
        "branch",
        "online",
        "app",
        "login",
        "blocked",
        "stolen",
        "lost",
        "replace",
        "order",
        "delivery",
    ],
    "he": [
        "חשבון",
        "חיוב",
        "כרטיס",
        "אשראי",
        "העברה",
        "תשלום",
        "ביטול",
        "מנוי",
        "אינטרנט",
        "נתב",
        "טכנאי",
        "מנהל",
        "תלונה",
        "חשבונית",
        "יתרה",
        "בעיה",
        "סיסמה",
        "כתובת",
        "מספר",
        "עזרה",
        "היום",
        "מחר",
        "בבקשה",
        "תודה",
        "סליחה",
        "המתנה",
        "הונאה",
        "עמלה",
        "הלוואה",
        "סניף",
        "אפליקציה",
        "חסום",
        "גנוב",
        "אבוד",
        "הזמנה",
        "משלוח",
        "שירות",
        "לקוח",
        "נציג",
        "החזר",
        "כסף",
    ],
    "ar": [
        "حساب",
        "خصم",
        "بطاقة",
        "ائتمان",
        "تحويل",
        "دفع",
        "إلغاء",
        "اشتراك",
        "إنترنت",
        "راوتر",
        "فني",
        "مدير",
        "شكوى",
        "فاتورة",
        "رصيد",
        "مشكلة",
        "كلمة",
        "عنوان",
        "رقم",
        "مساعدة",
        "اليوم",
        "غدا",
        "شكرا",
        "آسف",
        "انتظار",
        "احتيال",
        "رسوم",
        "قرض",
        "فرع",
        "تطبيق",
        "محظور",
        "مسروق",
        "طلب",
        "توصيل",
        "خدمة",
        "عميل",
        "موظف",
        "استرداد",
        "مبلغ",
    ],
}
ALPHABET = {
    "en": "abcdefghijklmnoprstuvwy",
    "he": "אבגדהוזחטיכלמנסעפצקרשת",
    "ar": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
}
PREFIXES = {
    "he": ["ו", "ה", "ב", "ל", "וה", "וב", "מה", "ש"],
    "ar": ["ال", "وال", "بال", "و", "لل"],
    "en": [],
}
DIACRITICS = {
    "he": ["\u05b8", "\u05b7", "\u05b4", "\u05bc"],
    "ar": ["\u064e", "\u064f", "\u0650", "\u0652"],
    "en": [],
}


def vocabulary(rng: random.Random, size: int) -> dict[str, list[str]]:
    words = {}
    for language, seeds in SEED_WORDS.items():
        pool = list(seeds)
        while len(pool) < size:
            pool.append("".join(rng.choice(ALPHABET[language]) for _ in range(rng.randint(3, 9))))
        words[language] = pool
    return words


def zipf_index(rng: random.Random, n: int) -> int:
    return min(n - 1, int(rng.paretovariate(1.1)) - 1)


def sentence(rng: random.Random, words: list[str], language: str) -> str:
    out = []
    for _ in range(rng.randint(5, 16)):
        word = words[zipf_index(rng, len(words))]
        if PREFIXES[language] and rng.random() < 0.3:
            word = rng.choice(PREFIXES[language]) + word
        if DIACRITICS[language] and rng.random() < 0.1:
            word = word[0] + rng.choice(DIACRITICS[language]) + word[1:]
        out.append(word)
    return " ".join(out)


def load(db: Database, segments: int, rng: random.Random) -> float:
    words = vocabulary(rng, 20_000)
    calls = segments // 10
    start = datetime(2026, 1, 1, tzinfo=UTC)
    started = time.perf_counter()
    batch_calls, batch_segments, terms = [], [], set()
    for n in range(calls):
        language = rng.choice(("en", "he", "ar"))
        call_id = str(uuid.UUID(int=rng.getrandbits(128)))
        batch_calls.append(
            dict(
                id=call_id,
                seq=n + 1,
                status="done",
                progress=1.0,
                stage="done",
                source="bench",
                external_id=str(n),
                direction=rng.choice(("inbound", "outbound")),
                agent_id=f"agent{rng.randint(1, 200)}",
                customer_number=f"+9725{rng.randint(10**7, 10**8 - 1)}",
                started_at=start + timedelta(days=365 * n / calls),
                channel_roles=["agent", "customer"],
                language_hint=None,
                extra={},
                audio_key=f"k/{call_id}",
                audio_sha256="0" * 64,
                audio_size=1,
                audio_filename="x.wav",
                audio_format="wav/pcm_mulaw",
                duration=rng.uniform(30, 900),
                channels=2,
                sample_rate=8000,
                language=language,
                model="bench",
                speakers=[],
                attempts=1,
                created_at=start + timedelta(minutes=n),
                updated_at=start,
            )
        )
        for idx in range(10):
            body = sentence(rng, words[language], language)
            forms = index_forms(body)
            terms.update(forms.split())
            role = "agent" if idx % 2 == 0 else "customer"
            batch_segments.append(
                dict(
                    id=segment_id(n + 1, role, idx),
                    call_id=call_id,
                    idx=idx,
                    start=idx * 8.0,
                    end=idx * 8.0 + 7.5,
                    speaker=f"S{idx % 2}",
                    role=role,
                    channel=idx % 2,
                    text=body,
                    text_normalized=normalize(body),
                    search_forms=forms,
                    words=[],
                )
            )
        if len(batch_segments) >= 20_000 or n == calls - 1:
            with db.session() as session:
                session.execute(insert(CallRow), batch_calls)
                session.execute(insert(SegmentRow), batch_segments)
            batch_calls, batch_segments = [], []
    with db.session() as session:
        remember_terms(session, None, terms)
    if not db.is_sqlite:
        # What autovacuum does after a load: statistics, and the visibility map that lets the posting
        # table be read by index-only scans.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    return segments / (time.perf_counter() - started)


def query_mix(rng: random.Random, words: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Searches name specific words (ranks 10-2000 of the Zipf vocabulary); `common` queries the ten
    most frequent words, each of which is in about a third of all calls, and is reported on its own."""
    mix = []
    for _ in range(40):
        language = rng.choice(("en", "he", "ar"))
        pool = words[language][10:2000]
        a, b = pool[zipf_index(rng, len(pool))], pool[zipf_index(rng, len(pool))]
        mix += [
            ("common", words[language][rng.randrange(10)]),
            ("word", a),
            ("phrase", f'"{a} {b}"'),
            ("speaker", f"{a} speaker:customer"),
            ("date", f"{a} after:2026-02-01 before:2026-03-01"),
            ("fuzzy", f"{a[:-1] + 'q'}~" if len(a) > 4 else f"{a}q~"),
        ]
    return mix


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--backend", default="sqlite", help="sqlite, or a PostgreSQL URL")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keep",
        help="keep the database (SQLite: a file path; PostgreSQL: a database name) and reuse it next time",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cleanup = None
    reuse = False
    if args.backend == "sqlite":
        path = Path(args.keep) if args.keep else Path(tempfile.mkdtemp()) / "bench.db"
        reuse = path.exists()
        url = f"sqlite:///{path}"
    else:
        base = make_url(args.backend.replace("postgresql://", "postgresql+psycopg://", 1))
        name = args.keep or f"callrec_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            reuse = bool(connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}))
            if not reuse:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)

        def cleanup() -> None:
            if not args.keep:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    db = Database(url)
    db.migrate()
    try:
        rate = None if reuse else load(db, args.segments, rng)
        print(
            f"backend: {'sqlite' if db.is_sqlite else 'postgresql'}  segments: {args.segments}  "
            f"calls: {args.segments // 10}  "
            + (f"load+index: {rate:,.0f} segments/s" if rate else "reused database")
        )
        mix = query_mix(random.Random(args.seed + 1), vocabulary(random.Random(args.seed), 20_000))
        latencies: dict[str, list[float]] = {}
        with db.session() as session:
            for _, query in mix[:10]:  # warm caches
                search(session, query, fuzzy_fallback=False)
            for kind, query in mix:
                started = time.perf_counter()
                search(session, query, fuzzy_fallback=False)
                latencies.setdefault(kind, []).append((time.perf_counter() - started) * 1000)

        def line(name: str, values: list[float]) -> str:
            q = statistics.quantiles(values, n=100)
            return f"{name:>10}: p50 {q[49]:7.1f} ms  p95 {q[94]:7.1f} ms  p99 {q[98]:7.1f} ms  (n={len(values)})"

        for kind, values in latencies.items():
            print(line(kind, values))
        print(
            line("non-fuzzy", [v for k, vs in latencies.items() if k not in ("fuzzy", "common") for v in vs])
        )
    finally:
        db.dispose()
        if cleanup:
            cleanup()


if __name__ == "__main__":
    main()
