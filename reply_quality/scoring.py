"""The four reply checks as pure text functions (no database), shared by the service that checks
a unit's reply and by the measuring command that runs them over the real replies.

Every score is in 0..1, higher is better; a check warns when its score is below its threshold.
The thresholds were picked from the distributions measured on the 2,794 real replies
(docs/reply-quality.md): each marks roughly the weakest tail of real practice, not an ideal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from civic import text as civic_text

# Thresholds (see docs/reply-quality.md, "Thresholds"): a score below warns.
RELEVANCE_MIN = 0.1
COMPLETENESS_MIN = 0.5
EXPLANATION_MIN = 0.25
# A reply at least this similar (TF-IDF cosine) to one the same unit sent to a different
# complaint is boilerplate; the originality score is 1 − that similarity.
BOILERPLATE_SIMILARITY = 0.9
ORIGINALITY_MIN = round(1 - BOILERPLATE_SIMILARITY, 2)
# Two complaints sharing at least this share of words (token Jaccard) are the same complaint
# (a repeat request, a merged case): the same reply to both is right, not boilerplate.
SAME_COMPLAINT_JACCARD = 0.5

# Placeholders from civic.text.normalise carry no meaning for these checks.
_PLACEHOLDERS = frozenset({"0", "地名"})


@lru_cache(maxsize=20000)
def words(text: str) -> frozenset[str]:
    """Content words of a text (jieba, stop words and placeholders removed)."""
    return frozenset(
        w for w in civic_text.segment(civic_text.normalise(text)) if w not in _PLACEHOLDERS
    )


@lru_cache(maxsize=20000)
def complaint_tokens(title: str, description: str) -> frozenset[str]:
    """What two complaints are compared by (repeat detection): search-mode words."""
    return frozenset(civic_text.token_set(f"{title} {description}"))


def same_complaint(a: frozenset[str], b: frozenset[str]) -> bool:
    return civic_text.jaccard(set(a), set(b)) >= SAME_COMPLAINT_JACCARD


# --- relevance -------------------------------------------------------------------------------


def relevance(title: str, description: str, reply: str) -> float:
    """Does the reply speak of what was complained about? Mean of the share of the title's words
    the reply takes up (a title is the resident's own summary) and the overlap (Ochiai) of the
    complaint's and the reply's words."""
    reply_words = words(reply)
    if not reply_words:
        return 0.0
    title_words = words(title)
    complaint_words = title_words | words(description)
    if not complaint_words:
        return 0.0
    overlap = len(complaint_words & reply_words) / math.sqrt(
        len(complaint_words) * len(reply_words)
    )
    if not title_words:
        return round(min(1.0, overlap), 4)
    title_share = len(title_words & reply_words) / len(title_words)
    return round(min(1.0, (title_share + overlap) / 2), 4)


# --- completeness ------------------------------------------------------------------------------

_DONE = re.compile(
    r"调查|核实|核查|查处|处理|整改|清理|清除|修复|维修|修缮|协调|约谈|责令|督促|现场|检查|排查|"
    r"拆除|更换|恢复|落实|完成|办理|联系|走访|执法|取缔|查看|疏通|答复了|告知|解释|摸排|处罚|立案"
)
_WHEN = re.compile(
    r"\d{4}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|(?<!\d)\d{1,2}\s*[日号](?:[上下]午|晚)|"
    r"[上下]午|\d{1,2}\s*[:：]\s*\d{2}|\d{1,2}\s*时|近日|日前|当天|当日|今天|昨天|本周|上周|本月|"
    r"[一二三四五六七八九十]+月[一二三四五六七八九十初]+[日号]?"
)
_WHO = re.compile(
    r"街道|社区|居委会|村委会|村委|办事处|[^\s，。、]{1,8}局|委员会|[^\s，。、]{1,6}委(?!托)|中心|"
    r"公司|物业|工作人员|执法|大队|中队|派出所|管理所|管理处|[^\s，。、]{1,6}站|部门|科室|"
    r"办公室|工作组|专班|网格员|民警|城管"
)
_NEXT = re.compile(
    r"下一步|(?<!现)将(?!网友)|计划|预计|继续|后续|持续|跟进|督促|加强|争取|力争|"
    r"联系电话|咨询电话|如[有您你].{0,20}(?:联系|拨打|致电|咨询|反映)|"
    r"请.{0,12}(?:联系|拨打|致电|咨询|前往|携带|关注)"
)
COMPLETENESS_ELEMENTS = (("done", _DONE), ("when", _WHEN), ("who", _WHO), ("next", _NEXT))


def completeness_elements(reply: str) -> dict[str, bool]:
    """Which of the four things a complete reply says are there: what was done, when, by
    whom, and what happens next."""
    return {name: bool(pattern.search(reply or "")) for name, pattern in COMPLETENESS_ELEMENTS}


def completeness(reply: str) -> float:
    found = completeness_elements(reply)
    return sum(found.values()) / len(found)


# --- explanation (for the "explained, cannot be resolved" result) -------------------------------

# A document title is a policy basis only when it names a law, regulation or official paper
# (《问政西地省》, a message board's name, is not).
_POLICY_TITLE = re.compile(
    r"《[^》]{1,60}(?:法|条例|规定|办法|意见|通知|细则|标准|规范|规划|方案|决定|纲要|政策|制度|规则|"
    r"准则|目录|批复|解释)(?:（[^）]{0,20}）)?》"
)
_ARTICLE = re.compile(r"第[一二三四五六七八九十百零〇\d]+条")
_BASIS_WORDS = (
    "规定",
    "条例",
    "办法",
    "政策",
    "依据",
    "根据",
    "按照",
    "法律",
    "法规",
    "文件",
    "细则",
)


def explanation(reply: str) -> float:
    """Does a reply that cannot resolve the matter give its policy basis? A named law or
    regulation (《…条例》) and an article number count one half each; each distinct basis word
    (规定, 依据, 政策 …) one quarter; capped at 1."""
    reply = reply or ""
    score = 0.5 * bool(_POLICY_TITLE.search(reply)) + 0.5 * bool(_ARTICLE.search(reply))
    score += 0.25 * sum(1 for w in _BASIS_WORDS if w in reply)
    return min(1.0, score)


# --- boilerplate -------------------------------------------------------------------------------


def max_similarity(reply: str, others: Sequence[str]) -> float:
    """The highest TF-IDF cosine between `reply` and any of `others` (0 when there are none)."""
    others = [o for o in others if o and o.strip()]
    if not others or not (reply or "").strip():
        return 0.0
    vectorizer = civic_text.tfidf_vectorizer()
    try:
        matrix = vectorizer.fit_transform([_bag(reply)] + [_bag(o) for o in others])
    except ValueError:  # every document empty after segmentation
        return 0.0
    sims = (matrix[1:] @ matrix[0].T).toarray().ravel()
    return float(round(min(1.0, sims.max()), 4)) if sims.size else 0.0


def _bag(text: str) -> list[str]:
    """Segmented words with repeats (term frequencies matter to the cosine)."""
    return [w for w in civic_text.segment(civic_text.normalise(text)) if w not in _PLACEHOLDERS]


# --- all four -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    relevance: float
    completeness: float
    explanation: float | None  # None: the result is not "explained", the check does not apply
    originality: float  # 1 − the highest similarity to the unit's replies to other complaints

    def as_dict(self) -> dict[str, float | None]:
        return {
            "relevance": self.relevance,
            "completeness": self.completeness,
            "explanation": self.explanation,
            "originality": self.originality,
        }

    @property
    def combined(self) -> float:
        """Mean of the scores that apply."""
        values = [v for v in self.as_dict().values() if v is not None]
        return round(sum(values) / len(values), 4)

    def warnings(self) -> list[str]:
        """Codes of the checks below their thresholds, in a fixed order."""
        out = []
        if self.relevance < RELEVANCE_MIN:
            out.append("relevance")
        if self.completeness < COMPLETENESS_MIN:
            out.append("completeness")
        if self.explanation is not None and self.explanation < EXPLANATION_MIN:
            out.append("explanation")
        if self.originality <= ORIGINALITY_MIN:  # similarity ≥ BOILERPLATE_SIMILARITY
            out.append("boilerplate")
        return out


def score_reply(
    *,
    title: str,
    description: str,
    reply: str,
    explained: bool,
    other_replies: Sequence[str] = (),
) -> Scores:
    """All four scores for one reply. `other_replies`: the same unit's recent replies to
    different complaints (the caller filters them)."""
    return Scores(
        relevance=relevance(title, description, reply),
        completeness=completeness(reply),
        explanation=explanation(reply) if explained else None,
        originality=round(1 - max_similarity(reply, other_replies), 4),
    )
