"""From what people type to index terms: normalize, rewrite, cut with jieba, map synonyms, drop
filler.

The text is folded (full width, traditional characters, case) and then rewritten with the
reviewed map of content/dict/rewrites.tsv: typos and homophones (烟草正 → 烟草证, 党废 → 党费)
and dialect (咋个 → 怎么, 得不得 → 会不会) become what they mean, longest match first.

Words come from jieba in search mode (a long word also yields its dictionary sub-words:
零售许可证 → 零售, 许可, 许可证, 零售许可证) with the domain user dictionary; synonyms from
content/dict/synonyms.tsv map what people type to one canonical word (烟证 → 许可证), and the
synonym variants are added to jieba's dictionary so they stay whole. Character bigrams over the
same canonical text catch words jieba splits badly.

A jieba dictionary takes about a second to load, so tokenizers are cached per dictionary and
built once per process (`serve` builds the services before gunicorn forks).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import jieba

from bot.text import normalize

jieba.setLogLevel(logging.WARNING)
log = logging.getLogger(__name__)

# Question words, particles and politeness that say nothing about which entry is meant.
STOPWORDS = frozenset(
    """
    的 了 吗 呢 吧 啊 呀 嘛 么 哦 噢 哈 哇 啦 咯 喽 呗 嗯 哎 诶 是 是不是 在 我 你 您 他 她 它 我们 你们 他们 咱 咱们
    自己 人家 俺 请问 请 问 问问 问一下 想问 想 想要 一下 下 麻烦 谢谢 你好 您好 老师 同志 帮 帮忙 帮我 告诉 知道 说说
    怎么 怎么办 怎么样 怎样 怎么弄 咋 咋办 咋弄 如何 什么 啥 啥样 哪 哪里 哪儿 哪些 哪个 哪种 为什么 为啥 干嘛
    能 能不能 可以 可不可以 行 行不行 要 要不要 需要 需不需要 应该 应当 得 会 会不会 该 是否 有没有 没有 有
    和 与 及 以及 或 或者 还是 还 都 就 也 又 再 才 着 过 给 对 把 被 让 从 到 向 跟 这 那 这个 那个 这些 那些
    这样 那样 一个 个 一 些 一些 里 上 中 时 时候 的话 然后 现在 具体 一般 比如 就是 吗 不 么样 弄 搞 做 点
    好 好的 好吧 收到 知道了 明白 明白了 ok 多谢 再见 拜拜 今天 明天 昨天 最近
    噻 撒 嘞 咧 哒 呐 哩 喔 呃 额 哟 嘿 咋个 啥子 么子 干 干啥 做什么 是什么 有什么 什么样 什么时候
    去 来 没 后 以后 之后 说 看 看看 有人 不要 还要 还能 不能 能否 意思 什么意思 啥意思 是指 指 指的是
    算不算 不算 不了 当 下来 不会 回事 怎么回事 到底 究竟 其实 可能 大概 那么 这么 具体内容 内容
    几个 哪几个 哪几 这种 那种 一道 一批 一半 一点 一点儿 有点 多大点
    """.split()
)

# Words that ask how much, how long or when: they help to pick an entry, but a question made
# only of them (今天几号, 现在几点了) is about nothing in the library.
ASKING = frozenset(
    """
    几号 几点 几点钟 多久 多少 多少钱 几年 几次 几天 几月 几个月 多长 多长时间 时间 哪天 哪一天 多大 几岁
    一次 几回 几条 几分 多会儿 什么时间
    """.split()
)

# A numeral on its own (哪三会 → 三) names nothing; inside words (三会一课, 六有) it stays.
LONE_NUMERALS = frozenset("一二三四五六七八九十两几")
# Nor does a Chinese number with its measure word (三个, 十五天, 二十多个, 一年).
NUMBER_WORD = re.compile(
    r"^[零〇一二三四五六七八九十百千万两几]+多?[个天条年月次回人元块岁周号点分]?$"
)

_KEEP = re.compile(r"[0-9a-z\u4e00-\u9fff]+")
_lock = threading.Lock()
_tokenizers: dict[str, jieba.Tokenizer] = {}


# jieba's tags for common nouns, technical nouns, organisations and verbal nouns
NOUN_TAGS = frozenset({"n", "nz", "nt", "vn"})


@functools.cache
def dictionary_nouns() -> frozenset[str]:
    """The words of two or more characters that jieba's main dictionary tags as nouns (read
    once per process, about 135,000 words)."""
    path = Path(jieba.__file__).parent / "dict.txt"
    nouns = set()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            parts = line.split()
            if len(parts) == 3 and len(parts[0]) > 1 and parts[2] in NOUN_TAGS:
                nouns.add(parts[0])
    return frozenset(nouns)


def fold(text: str) -> str:
    """NFKC, traditional → simplified, single spaces, lower case."""
    return normalize(text).lower()


def _tokenizer(userdict: Sequence[Path], words: tuple[str, ...]) -> jieba.Tokenizer:
    """A jieba tokenizer with the user dictionaries and extra words, built once per content."""
    digest = hashlib.sha256()
    for path in userdict:
        if path.is_file():
            digest.update(path.read_bytes())
    digest.update("\n".join(words).encode("utf-8"))
    key = digest.hexdigest()
    with _lock:
        tk = _tokenizers.get(key)
        if tk is None:
            tk = jieba.Tokenizer()
            tk.initialize()
            for path in userdict:
                if path.is_file():
                    for word, freq in read_userdict(path):
                        tk.add_word(word, freq)
            for word in words:
                if len(word) > 1 and word not in tk.FREQ:
                    tk.add_word(word)
            _tokenizers[key] = tk
        return tk


def read_userdict(path: Path) -> list[tuple[str, int | None]]:
    """(word, freq or None) per line of a jieba user dictionary; bad lines are skipped here
    (validate() reports them), and so is a file that can't be read (with one log line)."""
    from bot.content import ContentError, read_text

    out: list[tuple[str, int | None]] = []
    try:
        text = read_text(path)
    except ContentError as exc:
        log.warning("skipped %s", exc)
        return out
    for line in text.splitlines():
        parts = line.strip().split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        out.append((fold(parts[0]), freq))
    return out


class Analyzer:
    """Turns a text into word terms and character-bigram terms."""

    def __init__(
        self,
        userdict: Path | Sequence[Path] | None = None,
        synonyms: Mapping[str, str] | None = None,
        rewrites: Mapping[str, str] | None = None,
    ):
        self.synonyms = {fold(k): fold(v) for k, v in (synonyms or {}).items()}
        self.rewrites = {fold(k): fold(v) for k, v in (rewrites or {}).items() if k and v}
        self._rewrite_re = (
            re.compile("|".join(re.escape(w) for w in sorted(self.rewrites, key=lambda w: -len(w))))
            if self.rewrites
            else None
        )
        extra = sorted(set(self.synonyms) | set(self.synonyms.values()))
        paths = [userdict] if isinstance(userdict, Path) else list(userdict or [])
        self.tokenizer = _tokenizer(paths, tuple(extra))

    def rewrite(self, folded: str) -> str:
        """A folded text with typos, homophones and dialect replaced by what they mean."""
        if self._rewrite_re is None:
            return folded
        return self._rewrite_re.sub(lambda m: self.rewrites[m.group(0)], folded)

    def terms(self, text: str) -> tuple[list[str], list[str]]:
        """(word terms, bigram terms) of a text."""
        words: list[str] = []
        bigrams: list[str] = []
        for run in _KEEP.findall(self.rewrite(fold(text))):
            chain: list[str] = []  # the canonical text of this run, filler removed
            for token in self.tokenizer.cut(run, HMM=False):
                token = self.synonyms.get(token, token)
                if token in STOPWORDS:
                    continue
                chain.append(token)
                if token in LONE_NUMERALS or NUMBER_WORD.match(token):
                    continue
                words.append(token)
                if len(token) > 2:  # search mode: the dictionary sub-words of long words
                    words.extend(self.synonyms.get(p, p) for p in _subwords(self.tokenizer, token))
            joined = "".join(chain)
            bigrams.extend(joined[i : i + 2] for i in range(len(joined) - 1))
            if len(joined) == 1:
                bigrams.append(joined)
        return words, bigrams


def _subwords(tk: jieba.Tokenizer, word: str) -> list[str]:
    """The words a long word is made of: its best cut by the dictionary without the word
    itself (组织生活会 → 组织, 生活; 零售许可证 → 零售, 许可证, 许可), and the parts of those.
    Unlike every dictionary word inside it, this leaves out strings that straddle two parts
    (活会, 体内, 党组)."""
    out: list[str] = []
    for part in _best_cut(tk, word):
        if len(part) > 1 and part not in STOPWORDS:
            out.append(part)
            if len(part) > 2:
                out.extend(_subwords(tk, part))
    return out


def _best_cut(tk: jieba.Tokenizer, word: str) -> list[str]:
    """jieba's most probable cut of `word` into dictionary words, never the whole word."""
    n = len(word)
    log_total = math.log(tk.total or 1)
    best: list[tuple[float, int]] = [(0.0, n)] * (n + 1)
    for i in range(n - 1, -1, -1):
        options = []
        for j in range(i + 1, n + 1):
            if (i, j) == (0, n):
                continue
            freq = tk.FREQ.get(word[i:j])
            if j == i + 1 or freq:
                options.append((math.log(freq or 1) - log_total + best[j][0], j))
        best[i] = max(options)
    parts, i = [], 0
    while i < n:
        j = best[i][1]
        parts.append(word[i:j])
        i = j
    return parts
