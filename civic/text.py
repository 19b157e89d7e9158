"""Chinese text, in one place for every feature that reads complaints: normalisation, jieba
segmentation (with the category tree's names as domain words), token sets, TF-IDF vectors and
similarity. Used by the dispatch router (routing), hot topics (themes), duplicate hints at intake
(public), and the text features to come (knowledge search, reply suggestions and checks).

Everything here is deterministic and offline: jieba ships its dictionary inside the package, and
the domain words come from the category tree in data/category_tree.csv (real category names).
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CATEGORY_TREE_CSV = DATA_DIR / "category_tree.csv"

# Public dataset column names (泰迪杯 2020 problem C) and their English equivalents.
TITLE_COLUMNS = ("留言主题", "title")
BODY_COLUMNS = ("留言详情", "description", "body")
LABEL_COLUMNS = ("一级分类", "label", "category")

# Anonymised place names (A市, A3区, 西地省, B5县 …) and numbers carry no category signal but a lot
# of spurious vocabulary; they are folded into placeholder tokens.
_PLACE = re.compile(r"[A-Z]\d*[市区县镇乡]|西地省")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_SPACE = re.compile(r"\s+")
_LATIN = re.compile(r"[A-Za-z]+")
# Tokens kept by the word analyser: CJK words of 2+ characters or our placeholders.
_STOP = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "有",
        "我",
        "我们",
        "你",
        "您",
        "他",
        "她",
        "它",
        "也",
        "都",
        "就",
        "而",
        "及",
        "与",
        "或",
        "但",
        "这",
        "那",
        "这个",
        "那个",
        "一个",
        "没有",
        "什么",
        "为什么",
        "怎么",
        "如何",
        "可以",
        "能",
        "会",
        "要",
        "被",
        "把",
        "对",
        "让",
        "给",
        "从",
        "向",
        "到",
        "于",
        "以",
        "为",
        "因为",
        "所以",
        "如果",
        "请问",
        "你好",
        "您好",
        "领导",
        "尊敬",
        "谢谢",
        "希望",
        "相关",
        "部门",
        "问题",
        "反映",
        "情况",
        "现在",
        "已经",
        "还是",
        "还",
        "又",
        "进行",
        "目前",
        "一直",
        "今年",
        "去年",
        "时候",
        "自己",
        "他们",
        "大家",
        "非常",
        "请",
        "市",
        "区",
        "省",
    ]
)


def normalise(text: str | None) -> str:
    """Collapse whitespace, fold anonymised place names and numbers, lower-case Latin text."""
    if not text:
        return ""
    text = _SPACE.sub(" ", str(text)).strip()
    text = _PLACE.sub(" 地名 ", text)
    text = _NUMBER.sub(" 0 ", text)
    return _LATIN.sub(lambda m: m.group(0).lower(), text)


@lru_cache(maxsize=1)
def category_tree() -> tuple[tuple[str, str, str], ...]:
    """(一级, 二级, 三级) rows of the real category tree, or () when the file is missing."""
    if not CATEGORY_TREE_CSV.exists():
        return ()
    with CATEGORY_TREE_CSV.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return tuple(tuple(r[:3]) for r in rows[1:] if len(r) >= 3)


_tokenizer_lock = threading.Lock()
_tokenizer = None


def _jieba():
    """A private jieba tokenizer with the category names added as user words (built once)."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                for row in category_tree():
                    for name in row[1:]:
                        for part in re.split(r"[、/（）()和及与,，]", name):
                            if len(part) >= 2:
                                tok.add_word(part, freq=2000)
                _tokenizer = tok
    return _tokenizer


def segment(text: str) -> list[str]:
    """jieba words of a normalised text, without stop words and punctuation."""
    return [
        w
        for w in _jieba().lcut(text)
        if w.strip() and (len(w) >= 2 or w == "0") and w not in _STOP and not _is_punct(w)
    ]


def _is_punct(word: str) -> bool:
    return all(not ch.isalnum() for ch in word)


def combine(title: str | None, description: str | None, title_weight: int = 3) -> str:
    """One document per case: the title counts `title_weight` times (it is a human summary)."""
    title = normalise(title)
    body = normalise(description)
    return " 。".join([title] * title_weight + [body])


def read_table(path: str | Path) -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8, with or without BOM, or GB18030) or XLSX file as dicts.

    Raises ValueError with a readable message when the file cannot be read.
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"File not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _read_xlsx(path)
        return _read_csv(path)
    except ValueError:
        raise
    except Exception as exc:  # openpyxl / csv raise many kinds; the caller wants one message
        raise ValueError(f"Cannot read {path.name}: {exc}") from exc


def _read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(f"Cannot decode {path.name} as UTF-8 or GB18030")
    reader = csv.DictReader(text.splitlines(keepends=True))
    if not reader.fieldnames:
        raise ValueError(f"{path.name} is empty or has no header row")
    return [{(k or "").strip(): (v or "") for k, v in row.items()} for row in reader]


def _read_xlsx(path: Path) -> list[dict[str, str]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            raise ValueError(f"{path.name} is empty or has no header row")
        names = [str(h).strip() if h is not None else "" for h in header]
        return [
            {n: ("" if v is None else str(v)) for n, v in zip(names, row, strict=False)}
            for row in rows
            if any(v is not None for v in row)
        ]
    finally:
        wb.close()


def pick_column(fieldnames: Iterable[str], candidates: Iterable[str]) -> str | None:
    names = {f.strip().lower(): f for f in fieldnames}
    for c in candidates:
        if c.lower() in names:
            return names[c.lower()]
    return None


# Parts of category names too generic to point at one first-level class.
GENERIC_CATEGORY_WORDS = frozenset({"其他", "其它", "管理", "综合", "建设", "问题", "服务"})


# --- token sets and similarity -------------------------------------------------------------


def token_set(text: str | None) -> set[str]:
    """jieba's search-mode words of `text` (overlapping words of long compounds too) longer than
    one character: what two short texts are compared by (duplicate hints)."""
    return {t for t in _jieba().cut_for_search(text or "") if len(t.strip()) > 1}


def jaccard(a: set[str], b: set[str]) -> float:
    """Shared words over all words of two token sets (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _documents_are_tokens(doc: list[str]) -> list[str]:
    return doc  # a named function, not a lambda: a fitted vectorizer stays picklable


def tfidf_vectorizer():
    """TF-IDF over documents given as token lists (e.g. `segment` output), sublinear term
    frequencies, rows L2-normalised so that a dot product is the cosine similarity."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=_documents_are_tokens, sublinear_tf=True, norm="l2")


def cosine_neighbours(matrix, threshold: float, chunk: int = 500) -> list:
    """For each row of an L2-normalised matrix, the indices of the other rows at least
    `threshold` similar. Computed `chunk` rows at a time, so memory stays chunk × n."""
    import numpy as np

    out = []
    for start in range(0, matrix.shape[0], chunk):
        block = (matrix[start : start + chunk] @ matrix.T).toarray()
        for i, row in enumerate(block):
            row[start + i] = 0.0
            out.append(np.flatnonzero(row >= threshold))
    return out
