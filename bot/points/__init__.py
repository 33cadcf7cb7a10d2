"""积分评星: points rules as configuration (rules.py), the ledger (ledger.py), standings and
rankings (standings.py), 心得 checks (reflections.py), 申报 (claims.py), 承诺/践诺
(commitments.py), 党小组 scores (groups.py), stars and frozen ratings (stars.py), the 通报
workbook (report.py) and the monthly summary (summary.py)."""
