"""A synthetic FY2023 population reproducing the report's breakdown (seed-spec §7.1).

452 webinar (90 都道府県 / 362 市町村: two admitted over the 450 seats, as in FY2023),
1,081 YouTube (159/391/4/81/180/180/29/57), 研修会議Ⅱ 東京 65 and 大阪 38 in municipal teams.
Names, kana and e-mail addresses are made up; every e-mail ends in example.jp.
"""

from __future__ import annotations

import random

from sqlalchemy import select

from app.core.models import AuditLog, Municipality
from app.events.models import Event
from app.extensions import db
from app.registration import rules
from app.registration.models import Registration, Team, TeamMember

WEBINAR = {"pref": 90, "muni": 362}
YOUTUBE = {
    "pref": 159,
    "muni": 391,
    "kouseikyoku": 4,
    "kankei_dantai": 81,
    "senmonshoku": 180,
    "coordinator": 180,
    "itaku": 29,
    "other": 57,
}
VENUE_PEOPLE = {"t2_tokyo": 65, "t2_osaka": 38}

SURNAMES = [
    ("佐藤", "サトウ", "sato"),
    ("鈴木", "スズキ", "suzuki"),
    ("高橋", "タカハシ", "takahashi"),
    ("田中", "タナカ", "tanaka"),
    ("伊藤", "イトウ", "ito"),
    ("渡辺", "ワタナベ", "watanabe"),
    ("山本", "ヤマモト", "yamamoto"),
    ("中村", "ナカムラ", "nakamura"),
    ("小林", "コバヤシ", "kobayashi"),
    ("加藤", "カトウ", "kato"),
    ("吉田", "ヨシダ", "yoshida"),
    ("山田", "ヤマダ", "yamada"),
    ("佐々木", "ササキ", "sasaki"),
    ("山口", "ヤマグチ", "yamaguchi"),
    ("松本", "マツモト", "matsumoto"),
    ("井上", "イノウエ", "inoue"),
    ("木村", "キムラ", "kimura"),
    ("林", "ハヤシ", "hayashi"),
    ("斎藤", "サイトウ", "saito"),
    ("清水", "シミズ", "shimizu"),
    ("山崎", "ヤマザキ", "yamazaki"),
    ("森", "モリ", "mori"),
    ("池田", "イケダ", "ikeda"),
    ("橋本", "ハシモト", "hashimoto"),
    ("阿部", "アベ", "abe"),
    ("石川", "イシカワ", "ishikawa"),
    ("前田", "マエダ", "maeda"),
    ("藤田", "フジタ", "fujita"),
    ("小川", "オガワ", "ogawa"),
    ("岡田", "オカダ", "okada"),
    ("後藤", "ゴトウ", "goto"),
    ("長谷川", "ハセガワ", "hasegawa"),
    ("村上", "ムラカミ", "murakami"),
    ("近藤", "コンドウ", "kondo"),
    ("石井", "イシイ", "ishii"),
    ("坂本", "サカモト", "sakamoto"),
]
GIVEN = [
    ("翔太", "ショウタ", "shota"),
    ("大輔", "ダイスケ", "daisuke"),
    ("健一", "ケンイチ", "kenichi"),
    ("直樹", "ナオキ", "naoki"),
    ("拓也", "タクヤ", "takuya"),
    ("誠", "マコト", "makoto"),
    ("浩二", "コウジ", "koji"),
    ("和也", "カズヤ", "kazuya"),
    ("隆", "タカシ", "takashi"),
    ("陽介", "ヨウスケ", "yosuke"),
    ("美咲", "ミサキ", "misaki"),
    ("陽子", "ヨウコ", "yoko"),
    ("恵", "メグミ", "megumi"),
    ("由美", "ユミ", "yumi"),
    ("智子", "トモコ", "tomoko"),
    ("真由美", "マユミ", "mayumi"),
    ("彩", "アヤ", "aya"),
    ("久美子", "クミコ", "kumiko"),
    ("裕子", "ユウコ", "yuko"),
    ("麻衣", "マイ", "mai"),
    ("香織", "カオリ", "kaori"),
    ("奈々", "ナナ", "nana"),
    ("千尋", "チヒロ", "chihiro"),
    ("沙織", "サオリ", "saori"),
]
DEPARTMENTS = {
    "pref": [
        "保健福祉部 医療政策課",
        "健康福祉部 高齢者福祉課",
        "保健医療局 在宅医療推進室",
        "〇〇保健所 地域保健課",
    ],
    "muni": [
        "高齢福祉課",
        "地域包括ケア推進課",
        "介護保険課",
        "健康福祉部 地域支援係",
        "長寿支援課",
    ],
}
ORGANISATIONS = {
    "kouseikyoku": ["関東信越厚生局", "近畿厚生局", "東海北陸厚生局", "九州厚生局"],
    "kankei_dantai": [
        "医師会",
        "歯科医師会",
        "薬剤師会",
        "訪問看護ステーション連絡協議会",
        "介護支援専門員協会",
    ],
    "senmonshoku": [
        "訪問看護ステーションあおば",
        "みどり在宅クリニック",
        "さくら居宅介護支援事業所",
        "市民病院 地域連携室",
    ],
    "coordinator": [
        "在宅医療・介護連携支援センター",
        "在宅医療サポートセンター",
        "地域包括支援センター",
    ],
    "itaku": ["株式会社地域ケア研究所", "一般社団法人在宅支援機構"],
    "other": [
        "〇〇大学 看護学部",
        "国立保健医療科学院",
        "コンサルティング株式会社",
        "全国連携実務者ネットワーク",
    ],
}
OCCUPATIONS = {
    "pref": ["事務職", "保健師"],
    "muni": ["事務職", "保健師", "社会福祉士", "看護師"],
    "kouseikyoku": ["事務職"],
    "kankei_dantai": ["事務局職員", "医師", "薬剤師"],
    "senmonshoku": ["看護師", "介護支援専門員", "医療ソーシャルワーカー", "医師"],
    "coordinator": ["看護師", "社会福祉士", "保健師"],
    "itaku": ["研究員"],
    "other": ["教員", "研究員"],
}


class _People:
    """Unique people with realistic names and example.jp addresses."""

    def __init__(
        self,
        rng: random.Random,
        municipalities: list[Municipality],
        prefectures: list[Municipality],
    ):
        self.rng = rng
        self.municipalities = municipalities
        self.prefectures = prefectures
        self.counter = 0

    def person(self, category: str, municipality: Municipality | None = None) -> dict:
        rng = self.rng
        self.counter += 1
        sur, sur_kana, sur_roma = rng.choice(SURNAMES)
        giv, giv_kana, giv_roma = rng.choice(GIVEN)
        if category in rules.GOVERNMENT_CATEGORIES:
            if municipality is None:
                municipality = rng.choice(
                    self.prefectures if category == "pref" else self.municipalities
                )
            domain = f"lg{municipality.code}.example.jp"
            organisation = ""
        else:
            municipality = None
            domain = f"org{rng.randint(1, 400):03d}.example.jp"
            organisation = rng.choice(ORGANISATIONS[category])
        email = f"{giv_roma}.{sur_roma}{self.counter}@{domain}"
        return {
            "name": f"{sur} {giv}",
            "kana": f"{sur_kana} {giv_kana}",
            "email": email,
            "email_normalized": email,
            "category": category,
            "category_other": "大学" if category == "other" else "",
            "municipality_code": municipality.code if municipality else None,
            "prefecture_code": municipality.prefecture_code
            if municipality
            else f"{rng.randint(1, 47):02d}",
            "organisation": organisation,
            "department": rng.choice(DEPARTMENTS.get(category, ["事業部", "事務局", "地域連携室"])),
            "occupation": rng.choice(OCCUPATIONS[category]),
            "phone": f"0{rng.randint(10, 99)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
        }


def seed_population(event: Event, seed: int = 2023, scale: float = 1.0) -> dict[str, int]:
    """Insert the population in one transaction (no mails are queued); returns counts.

    ``scale`` < 1 makes a smaller year (each figure rounded, the demo's FY2022) with the same
    mix."""
    rng = random.Random(seed)
    master = list(db.session.scalars(select(Municipality).order_by(Municipality.code)))
    people = _People(
        rng, [m for m in master if not m.is_prefecture], [m for m in master if m.is_prefecture]
    )
    webinar, youtube = event.channel("webinar"), event.channel("youtube")
    counts: dict[str, int] = {}
    for channel, plan in ((webinar, WEBINAR), (youtube, YOUTUBE)):
        rows = [cat for cat, n in plan.items() for _ in range(round(n * scale))]
        rng.shuffle(rows)
        for index, category in enumerate(rows):
            over = channel.capacity is not None and index >= channel.capacity
            db.session.add(
                Registration(
                    event=event,
                    channel=channel,
                    over_capacity=over,
                    source="console" if over else "web",
                    **people.person(category),
                )
            )
            if over:
                db.session.add(
                    AuditLog(
                        event_id=event.id,
                        action="admit_over_capacity",
                        target=channel.label,
                        detail="デモデータ：FY2023実績（452名）に合わせ定員超過で受付",
                    )
                )
        counts[channel.label] = len(rows)
    used: set[str] = set()
    for code, total in VENUE_PEOPLE.items():
        total = round(total * scale)
        channel = event.channel(code)
        east = code == "t2_tokyo"
        pool = [
            m
            for m in people.municipalities
            if (int(m.prefecture_code) <= 23) == east and m.code not in used
        ]
        accepted = 0
        left = total
        while left > 0:
            size = min(left, rng.choice([1, 2, 2, 3, 3, 4, 5, 6]))
            municipality = rng.choice(pool)
            pool.remove(municipality)
            used.add(municipality.code)
            status = rules.team_status_on_apply(accepted, size, channel.capacity)
            if status in rules.TEAM_COUNTED_STATUSES:
                accepted += size
            team = Team(event=event, channel=channel, municipality=municipality, status=status)
            for position in range(size):
                if position == 0:
                    category = "muni"
                else:
                    category = rng.choice(
                        ["muni", "muni", "pref", "kankei_dantai", "coordinator", "senmonshoku"]
                    )
                data = people.person(category, municipality if category == "muni" else None)
                team.members.append(
                    TeamMember(position=position, is_representative=position == 0, **data)
                )
            db.session.add(team)
            left -= size
        counts[channel.label] = total
    db.session.commit()
    return counts
