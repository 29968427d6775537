"""Groupwork tables of 研修会議Ⅱ: allocation of teams to tables by 場面 (CP-SAT), roles, the seat
plan, printed matter (座席表, 卓上名札, グループワークシート, booklets), the 書記 link and the まとめ."""
