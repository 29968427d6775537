"""The FY2023 event as the demo seed (seed-spec.md §1, §2, Appendix A)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select

from app.core.jpdates import end_of_day_jst, jst, now_utc, shift_weeks
from app.events.models import Channel, Event, ProgrammeItem, Training, Venue
from app.extensions import db

OPENS_2023 = jst(2023, 9, 4, 0, 0)
WEBINAR_DEADLINE_2023 = jst(2023, 10, 6, 17, 0)

PRIVACY_NOTICE = """\
【個人情報の取扱いについて】
御記入いただいた個人情報は、研修会議の運営（参加登録、参加方法の御案内、資料の送付、グループ編成、\
当日の受付、事後アンケートの御案内）のためにのみ利用し、法令に基づく場合を除き、\
第三者に提供することはありません。
研修会議の運営は厚生労働省老健局老人保健課の委託を受けた事務局が行います。\
個人情報は研修会議終了後、保存期間を経過した時点で消去します。"""

TRAINING1_PROGRAMME = [
    ("９：45～", "受付（Web入室受付）", "", ""),
    ("10：00～10：05", "開会挨拶", "厚生労働省老健局老人保健課 課長 古元 重和", ""),
    (
        "10：05～10：30",
        "【行政説明】地域における在宅医療・介護連携推進事業の更なる推進に向けて",
        "厚生労働省老健局老人保健課 課長補佐 増田 絵美奈",
        "行政説明（老健局）",
    ),
    (
        "10：30～10：55",
        "【行政説明】在宅医療と介護の連携体制の構築に向けて",
        "厚生労働省医政局地域医療計画課 外来・在宅医療対策室 室長 谷口 倫子",
        "行政説明（医政局）",
    ),
    ("10：55～11：00", "休憩", "", ""),
    (
        "11：00～12：00",
        "【基調講演】PDCA サイクルに沿った在宅医療・介護連携推進事業の具体的方策について",
        "公立大学法人埼玉県立大学大学院 保健医療福祉学研究科 研究開発センター 教授 川越 雅弘 氏",
        "基調講演（PDCAサイクルに沿った在宅医療・介護連携推進事業の具体的方策について）",
    ),
    ("12：00～13：00", "休憩", "", ""),
    (
        "13：00～13：30",
        "【基調講演】在宅医療・介護連携を通じた行政と医師会の連携推進への期待",
        "公益社団法人日本医師会 常任理事 今村 英仁 氏",
        "基調講演（在宅医療・介護連携を通じた行政と医師会の連携推進への期待）",
    ),
    ("13：30～13：35", "休憩", "", ""),
    (
        "13：35～14：55",
        "【シンポジウム】テーマ：「多職種による在宅医療・介護連携の更なる推進」【事例発表】"
        "①市町村の立場から：PDCA サイクルを意識した稲城市の在宅医療・介護連携推進事業の実際",
        "東京都稲城市高齢福祉課 地域支援係長 飯野 雄治 氏",
        "事例発表（⓵市町村の立場から）",
    ),
    (
        "",
        "【事例発表】②都道府県の立場から：多職種による在宅医療・介護連携の更なる推進（埼玉県）",
        "埼玉県保健医療部医療整備課 在宅医療推進担当 主幹 吉川 和義 氏",
        "事例発表（②都道府県の立場から）",
    ),
    (
        "",
        "【事例発表】③コーディネーターの立場から：北海道における在宅医療コーディネーターの取り組み",
        "北海道在宅医療推進支援センター コーディネーター 田上 幸輔 氏",
        "事例発表（③コーディネーターの立場から）",
    ),
    (
        "",
        "【事例発表】④医師会の立場から：医師会から発信する在宅医療・介護連携",
        "一般社団法人大阪市東淀川区医師会 副会長 岡部 登志男 氏",
        "事例発表（④医師会の立場から）",
    ),
    (
        "15：00～16：00",
        "パネルディスカッション",
        "【コーディネーター】公立大学法人埼玉県立大学大学院 保健医療福祉学研究科 研究開発センター "
        "教授 川越 雅弘 氏 【シンポジスト】事例発表者４名",
        "シンポジストによるディスカッション",
    ),
    ("16：00", "閉会", "", ""),
]

ADVISERS = (
    "【アドバイザー】①滋賀県健康医療福祉部 理事 角野 文彦 氏 "
    "②一般社団法人新潟県医師会 新潟県医師会在宅医療推進センター コーディネーター 服部 美加 氏"
)

TRAINING2_PROGRAMME = [
    ("10：00～", "受付", "", ""),
    ("10：30～10：35", "開会挨拶", "厚生労働省老健局老人保健課 課長 古元 重和", ""),
    (
        "10：35～11：00",
        "【研修会議Ⅱ要旨】在宅医療・介護連携推進事業における研修会議等の在り方について",
        "厚生労働省老健局老人保健課 課長補佐 増田 絵美奈",
        "研修会議Ⅱ要旨",
    ),
    (
        "11：00～11：20",
        "【ミニレクチャー】①自治体担当者の役割について～滋賀県在宅医療等推進協議会における取組を例として～",
        "【アドバイザー】①滋賀県健康医療福祉部 理事 角野 文彦 氏",
        "ミニレクチャー①",
    ),
    (
        "",
        "【ミニレクチャー】②在宅医療・介護連携におけるコーディネーターの役割",
        "【アドバイザー】②一般社団法人新潟県医師会 新潟県医師会在宅医療推進センター コーディネーター 服部 美加 氏",
        "ミニレクチャー②",
    ),
    ("11：20～12：00", "【参加自治体による紹介】", "参加自治体", "参加自治体による紹介"),
    ("12：00～13：00", "休憩", "", ""),
    (
        "13：00～15：30（途中休憩含む）",
        "グループワーク ～地域の実情に応じた事業マネジメントの検討～",
        "",
        "グループワーク",
    ),
    ("15：30～16：20", "【発表】", "", ""),
    ("16：20～16：30", "【講評】", ADVISERS, "講評"),
    ("16：30", "閉会", "", ""),
]

VENUE_RULES_COMMON = [
    "会場入り口付近に、手指消毒薬及び除菌シートを配置しておりますので適宜ご利用下さい。",
    "事務局の指定した場所以外の場所に立ち入ることはできません。",
    "携帯電話など音の出る機器については、電源を切るか、マナーモードに設定してください。",
    "事務局にて研修会議中の記録（写真撮影、ビデオ撮影、録音）を予定しています。"
    "記録に係る拒否等希望がございましたらお声がけください。",
    "参加者においては写真撮影、ビデオ撮影、録音はできません。",
]

VENUES = [
    {
        "code": "tokyo",
        "name": "東京会場",
        "facility": "TKP新橋カンファレンスセンター",
        "room": "ホール14D",
        "postal_code": "〒100-0011",
        "address": "東京都千代田区内幸町1-3-1 幸ビルディング 14階",
        "address_note": "",
        "url": "https://www.kashikaigishitsu.net/facilitys/ccshimbashiuchisaiwaicho/access/",
        "access": [
            "都営三田線 「内幸町駅」 A5出口 徒歩1分",
            "JR「新橋駅」 日比谷口 徒歩7分",
            "地下鉄銀座線 「新橋駅」 7番出口 徒歩7分",
            "地下鉄日比谷線他「霞が関駅」 C4出口 徒歩8分",
        ],
        "rules_extra": [
            "会場での食事及び喫煙は御遠慮ください。また、ゴミはお持ち帰り頂くようお願いします。"
            "※持ち込みを含み、会場内での食事は不可となります。"
            "飲水についてはこの限りではありません。自動販売機は14階カンファレンスルーム14B前にございます。",
            "その他、秩序を乱し、会議の議事運営に支障となる行為を禁止します。",
        ],
        "day": (2023, 10, 20),
        "assignment_deadline": jst(2023, 10, 17, 17, 0),
    },
    {
        "code": "osaka",
        "name": "大阪会場",
        "facility": "AP大阪茶屋町",
        "room": "Ｄ＋Ｅルーム",
        "postal_code": "〒530-0013",
        "address": "大阪府大阪市北区茶屋町1-27 ABC-MART梅田ビル 8階",
        "address_note": "※１階入り口は、サンマルクカフェの左横です",
        "url": "https://www.tc-forum.co.jp/ap-umedachayamachi/access/",
        "access": [
            "JR「大阪駅」御堂筋口 徒歩3分",
            "阪急「大阪梅田駅」 中央改札口 徒歩1分",
            "地下鉄御堂筋線「梅田駅」北改札口 徒歩3分",
            "地下鉄谷町線「東梅田駅」北改札口（北東・北西改札口）※出口専用 徒歩5分",
            "阪神「大阪梅田駅」東改札 徒歩5分",
        ],
        "rules_extra": [
            "会場での食事及び喫煙は御遠慮ください。また、ゴミはお持ち帰り頂くようお願いします。"
            "※持ち込みを含み、会場内での食事は不可となります。"
            "飲水についてはこの限りではありません。エレベーターホール 受付前、喫煙室前の２か所にございます。",
            "その他、秩序を乱し、会議の議事運営に支障となる行為を禁止します。",
        ],
        "day": (2023, 10, 27),
        "assignment_deadline": end_of_day_jst(datetime(2023, 10, 20).date()),
    },
]


def demo_shift_weeks(now: datetime | None = None) -> int:
    """Whole weeks that put today inside the FY2023 registration window, near its start."""
    now = now or now_utc()
    return max(0, math.floor((now - OPENS_2023) / timedelta(weeks=1)))


def seed_fy2023(weeks: int = 0) -> Event:
    """Create the FY2023 event with every date moved by ``weeks`` whole weeks (commits)."""

    def t(value: datetime) -> datetime:
        return shift_weeks(value, weeks)

    event = Event(
        slug="fy2023" if weeks == 0 else f"fy2023-demo-{weeks}",
        fiscal_year=2023,
        name="令和５年度在宅医療・介護連携推進支援事業 都道府県・市町村担当者等研修会議",
        short_name="都道府県・市町村担当者等研修会議",
        theme="在宅医療・介護連携推進の更なる可能性を目指して",
        purpose=(
            "都道府県・市町村担当者等研修会議は、都道府県及び市町村の在宅医療・介護連携推進事業の担当者が、"
            "国の動向や在宅医療・介護の連携推進に必要な知識・技術等を習得し、在宅医療・介護連携推進に関する"
            "企画立案能力及び実践能力の向上に資すること、さらに地域の実情に応じた効果的・効率的な事業の推進に"
            "資することを目的とする。"
        ),
        organiser="厚生労働省老健局老人保健課",
        secretariat="都道府県・市町村担当者等研修会議事務局 株式会社富士通総研行政経営グループ",
        contact_email="fri-homecare-seminar@dl.jp.fujitsu.com",
        contact_phone="070-3159-6309",
        contact_note="担当：竹内・中島（当日の緊急連絡先 担当：金 TEL:070-3159-6309）",
        fee_note="参加費無料",
        privacy_notice=PRIVACY_NOTICE,
        webinar_url="https://webinar.example.jp/j/kenshu2023",
        youtube_url="https://www.youtube.com/live/kenshu2023-demo",
        survey_opens_at=t(jst(2023, 10, 19, 10, 0)),
        survey_closes_at=t(end_of_day_jst(datetime(2023, 11, 10).date())),
        is_current=True,
    )
    t1 = Training(
        code="t1",
        name="研修会議Ⅰ",
        focus="座学的事項を中心",
        format_label="オンライン開催（ウェビナー参加・YouTube ライブ配信）",
        note="※ウェビナー参加は都道府県（及び保健所）担当者、市町村担当者のみ",
        position=1,
    )
    t2 = Training(
        code="t2",
        name="研修会議Ⅱ",
        focus="実践的事項（グループワーク等）を中心",
        format_label="集合開催（東京会場・大阪会場）",
        note="※ 研修会議Ⅱは東京会場及び大阪会場で同内容。アーカイブ等配信なし。",
        position=2,
    )
    for training, rows in ((t1, TRAINING1_PROGRAMME), (t2, TRAINING2_PROGRAMME)):
        for pos, (time_label, title, speaker, survey_label) in enumerate(rows):
            training.programme.append(
                ProgrammeItem(
                    position=pos,
                    time_label=time_label,
                    title=title,
                    speaker=speaker,
                    survey_label=survey_label,
                )
            )
    event.trainings = [t1, t2]
    opens = t(OPENS_2023)
    event.channels.append(
        Channel(
            training=t1,
            code="webinar",
            kind="webinar",
            label="ウェビナー参加",
            capacity=450,
            eligible_categories=["pref", "muni"],
            opens_at=opens,
            closes_at=t(WEBINAR_DEADLINE_2023),
            starts_at=t(jst(2023, 10, 19, 10, 0)),
            ends_at=t(jst(2023, 10, 19, 16, 0)),
            reception_label="９：45～ 受付（Web入室受付）",
            interaction_note="一部のプログラムにおいて質疑が可能です。",
            eligibility_note="※都道府県（及び保健所）担当者、市町村担当者のみ。",
            position=1,
        )
    )
    event.channels.append(
        Channel(
            training=t1,
            code="youtube",
            kind="stream",
            label="YouTubeライブ配信による参加",
            capacity=None,
            opens_at=opens,
            closes_at=t(jst(2023, 10, 17, 17, 0)),
            starts_at=t(jst(2023, 10, 19, 10, 0)),
            ends_at=t(jst(2023, 10, 19, 16, 0)),
            reception_label="",
            interaction_note="傍聴のみ。",
            eligibility_note="参加区分を問わず、どなたでもお申込みいただけます。",
            position=2,
        )
    )
    for pos, spec in enumerate(VENUES, start=1):
        y, m, d = spec["day"]
        venue = Venue(
            code=spec["code"],
            name=spec["name"],
            facility=spec["facility"],
            room=spec["room"],
            postal_code=spec["postal_code"],
            address=spec["address"],
            address_note=spec["address_note"],
            url=spec["url"],
            access=spec["access"],
            rules=VENUE_RULES_COMMON + spec["rules_extra"],
            emergency_contact=(
                "都道府県・市町村担当者等研修会議事務局 株式会社富士通総研行政経営グループ 担当：金 "
                "TEL:070-3159-6309"
            ),
            emergency_hours="8：30～17：00",
            position=pos,
            scene_deadline=t(jst(2023, 10, 12, 12, 0)),
            assignment_deadline=t(spec["assignment_deadline"]),
        )
        event.venues.append(venue)
        event.channels.append(
            Channel(
                training=t2,
                venue=venue,
                code=f"t2_{spec['code']}",
                kind="venue",
                label=f"研修会議Ⅱ（{spec['name']}）",
                capacity=50,
                capacity_is_target=True,
                max_team_size=6,
                opens_at=opens,
                closes_at=t(WEBINAR_DEADLINE_2023),
                starts_at=t(jst(y, m, d, 10, 30)),
                ends_at=t(jst(y, m, d, 16, 30)),
                reception_label="10時00分受付（開場10：00）",
                eligibility_note="市町村担当者が参加者を取りまとめの上、お申込みください（１自治体上限６名）。",
                position=2 + pos,
            )
        )
    db.session.add(event)
    db.session.flush()
    for other in db.session.scalars(select(Event).where(Event.id != event.id)):
        other.is_current = False
    db.session.commit()
    return event


# ---------------------------------------------------------------- the fuller demo (issue 10 §7)

# FY2022 asked one 研修会議Ⅰ row the FY2023 programme does not have (matched by title in
# 「年度比較」, so it shows as its own row with 「—」 in FY2023, and FY2023's as 「—」 in FY2022).
FY2022_CHANGED_ROW = (
    "行政説明（医政局）",
    "【行政説明】医療計画と在宅医療の体制整備について",
    "行政説明（医療計画）",
)


def open_survey_today(event: Event, now: datetime | None = None) -> None:
    """Move the questionnaire's opening back to the registration opening, so the demo can be
    answered today (its closing, after the 研修会議Ⅱ days, already lies ahead). Commits."""
    now = now or now_utc()
    opens = min(c.opens_at for c in event.channels if c.opens_at)
    if event.survey_opens_at is None or event.survey_opens_at > now:
        event.survey_opens_at = min(opens, now)
    if event.survey_closes_at is not None and event.survey_closes_at < now:
        event.survey_closes_at = end_of_day_jst((now + timedelta(weeks=4)).date())
    db.session.commit()


def seed_fy2022(source: Event) -> Event:
    """A smaller past year for 「年度比較」: FY2023 copied one year back (``clone_event``: every
    date 52 weeks earlier, the texts renamed to 令和４年度), one 研修会議Ⅰ programme row
    replaced (``FY2022_CHANGED_ROW``). Registrants and answers are added by their packages."""
    from app.events.services import clone_event

    event = clone_event(source, 2022, "fy2022" if source.slug == "fy2023" else "fy2022-demo")
    old_label, title, label = FY2022_CHANGED_ROW
    for training in event.trainings:
        for item in training.programme:
            if item.survey_label == old_label:
                item.title, item.survey_label = title, label
    db.session.commit()
    return event
