"""`dangjian init [DIR]`: a site's data folder (DANGJIAN_HOME) with everything to fill in.

    .env                  every setting, commented (mode 0600: it will hold secrets)
    花名册模板.xlsx         the roster columns import-members expects, with a sheet of notes
    content/README.md     how the site's content overrides or extends the shipped content
    content/policies/     copies of the entries whose answer depends on local practice
    content/dict/         empty dictionaries for local words (they add to the shipped ones)
    quizzes/README.md     where a site's own question banks go

Nothing that exists is overwritten: if any of these files is already there, nothing is written.
The database (var/dangjian.db) is made by `dangjian migrate`.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.config import SHIPPED_CONTENT

# Entries whose answer depends on how the local tobacco bureau works: a site edits them.
SITE_EDITABLE = ("policies/ordering.md", "policies/hotline.md")
ROSTER = "花名册模板.xlsx"

ENV = """\
# 党建学习助手的设置（数据目录里的 .env）。取消行首的 # 并填写；环境变量优先于这里。
# Settings of dangjian-bot, read from the data folder (DANGJIAN_HOME). Uncomment and fill in;
# environment variables win over this file. Relative paths are inside this folder.

# --- 公众号 Official Account（公众号后台 → 设置与开发 → 基本配置）---
# 服务器地址(URL) 填 https://你的域名/wechat
# DANGJIAN_WECHAT_TOKEN=
# DANGJIAN_WECHAT_APPID=
# DANGJIAN_WECHAT_SECRET=
# 消息加解密密钥 EncodingAESKey（设置后默认安全模式：不接受明文回调）
# DANGJIAN_WECHAT_AES_KEY=
# 与公众号后台"消息加解密方式"一致：plain 明文 / compat 兼容 / safe 安全
# DANGJIAN_WECHAT_MODE=safe
# 模板消息：每类推送一个模板，写明字段填什么（title 标题、summary 摘要、time 时间、branch 支部、place 地点）
# 各类之间用 ; 分隔，模板ID 和字段表之间用 :，字段之间用 ,
# DANGJIAN_WECHAT_TEMPLATES=notice=模板ID:thing1=title,time2=time,thing3=summary;meeting=模板ID:thing1=title,time2=time,thing3=place
# 每位党员每次发消息后 48 小时内最多收几条客服消息（平台规定，默认 5）
# DANGJIAN_WECHAT_CUSTOM_QUOTA=5
# 本服务的公网地址：模板消息的链接打开全文 https://你的域名/m/…
# DANGJIAN_PUBLIC_URL=https://你的域名

# --- 企业微信 WeCom self-built app（应用管理 → 自建应用）---
# 接收消息的 URL 填 https://你的域名/wecom；服务器出口 IP 要加进应用的“企业可信IP”
# DANGJIAN_WECOM_CORPID=
# DANGJIAN_WECOM_AGENTID=
# DANGJIAN_WECOM_SECRET=
# DANGJIAN_WECOM_TOKEN=
# DANGJIAN_WECOM_AES_KEY=

# --- 数据和内容 Data and content ---
# 数据库：SQLite 文件（默认），或 PostgreSQL 地址（多台网页服务器时，见 README）
# DANGJIAN_DB=var/dangjian.db
# DANGJIAN_DB=postgresql://dangjian:密码@数据库主机:5432/dangjian
# 本单位的内容和题库（覆盖或补充随程序发布的内容，见 content/README.md）
# DANGJIAN_CONTENT_DIR=content
# DANGJIAN_QUIZ_DIR=quizzes
# DANGJIAN_TIMEZONE=Asia/Shanghai
# 零售户“转人工”交给这位客户经理（手机号），不填则交给支部书记
# DANGJIAN_CUSTOMER_MANAGER=

# --- 推送 Pushes ---
# DANGJIAN_PUSH_RATE=20
# DANGJIAN_PUSH_TIMEOUT=10

# --- 仅在确有需要时 Only when needed ---
# 聊天模拟器能以任何党员身份说话，生产环境保持关闭（默认关闭）
# DANGJIAN_SIMULATOR=off
# 内容为空也启动（默认拒绝启动）
# DANGJIAN_ALLOW_EMPTY=1
"""

CONTENT_README = """\
# 本单位的内容

这里的文件叠加在随程序发布的内容之上（程序升级时随包内容会更新，这里的不会被覆盖）：

- `policies/*.md`：政策问答。与随包文件同名的文件替换随包的那一条；`id` 相同的条目也以这里为准；
  新文件名就是新增条目。`dangjian init` 复制了回答取决于当地做法的条目（订货、12313 热线），
  请按本地烟草专卖局的实际情况修改。
- `study/*.md`：每日学习内容，规则同上（同名文件或同 `id` 替换，其余新增）。
- `dict/userdict.txt`、`dict/synonyms.tsv`：本地词语和同义词，和随包词典合在一起用。

改完运行 `dangjian check-content` 检查，再运行 `dangjian reload` 让正在运行的服务载入。
格式见 README 的“政策库怎么写”和“题库”。
"""

QUIZ_README = """\
# 本单位的题库

把本单位的题库（YAML，格式见 README 的“题库”一节）放在这里，或用
`dangjian import-quizzes 题库.xlsx` 从 Excel 导入。与随包题库同名的文件替换随包的那一套，
题目 `id` 相同的以这里为准。改完运行 `dangjian check-content`，再 `dangjian reload`。
"""

USERDICT = """\
# 本地词语（jieba 用户词典）：一行一个词，可加词频和词性，例如：
# 城关镇 20000 ns
"""

SYNONYMS = "variant\tcanonical\n"


class SiteExists(Exception):
    def __init__(self, paths: list[Path]) -> None:
        super().__init__(", ".join(str(p) for p in paths))
        self.paths = paths


def plan(target: Path) -> dict[Path, bytes | None]:
    """Every file `init` writes (None: written by a function, the roster workbook)."""
    files: dict[Path, bytes | None] = {
        target / ".env": ENV.encode("utf-8"),
        target / ROSTER: None,
        target / "content" / "README.md": CONTENT_README.encode("utf-8"),
        target / "content" / "dict" / "userdict.txt": USERDICT.encode("utf-8"),
        target / "content" / "dict" / "synonyms.tsv": SYNONYMS.encode("utf-8"),
        target / "quizzes" / "README.md": QUIZ_README.encode("utf-8"),
    }
    for name in SITE_EDITABLE:
        source = SHIPPED_CONTENT / name
        if source.is_file():
            files[target / "content" / name] = source.read_bytes()
    return files


def create_site(target: Path) -> list[Path]:
    """Write the data folder; raises SiteExists (and writes nothing) if any file is there."""
    files = plan(target)
    existing = [p for p in files if p.exists()]
    if existing:
        raise SiteExists(existing)
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is None:
            roster_template(path)
        elif path.name == ".env":
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        else:
            with path.open("xb") as handle:
                handle.write(data)
    return list(files)


def roster_template(path: Path) -> None:
    """An empty roster: the header row import-members expects, drop-down lists for 角色 and
    类别, and a second sheet of notes (no example row that could be imported by mistake)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from bot.roster import COLUMNS, REQUIRED
    from storage.members import CATEGORIES, ROLES

    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = {"姓名": 10, "手机号": 14, "支部": 18, "党小组": 14, "角色": 10, "类别": 8}
    for index, name in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(1, index).column_letter].width = widths.get(name, 16)
    ws.freeze_panes = "A2"
    for name, values in (("角色", ROLES), ("类别", CATEGORIES)):
        letter = ws.cell(1, COLUMNS.index(name) + 1).column_letter
        rule = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        rule.add(f"{letter}2:{letter}2000")
        ws.add_data_validation(rule)
    phone = ws.cell(1, COLUMNS.index("手机号") + 1).column_letter
    for row in range(2, 2001):
        ws[f"{phone}{row}"].number_format = "@"  # keep phone numbers as text
    notes = wb.create_sheet("填写说明")
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 70
    notes.append(["列", "怎么填"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    explain = {
        "姓名": "与本人微信绑定时输入的姓名一致",
        "手机号": "11 位手机号，每人唯一；再次导入时按手机号更新",
        "支部": "所在党支部全称，如 机关党支部",
        "党小组": "可空",
        "角色": "、".join(ROLES),
        "类别": "、".join(CATEGORIES) + "（零售户可问卷烟零售政策）",
        "企业微信账号": "可空；填了就用企业微信推送，不用绑定",
    }
    for name in COLUMNS:
        need = "（必填）" if name in REQUIRED else ""
        notes.append([name, explain.get(name, "") + need])
    notes.append([])
    notes.append(
        ["导入", "在“花名册”表第 2 行起填写，保存后运行：dangjian import-members 花名册模板.xlsx"]
    )
    notes.append(["注意", "任何一行有错，整份都不导入，并按行号列出错误。"])
    wb.save(path)
