"""Where Chinese text may break across lines and pages (禁则), without Qt.

Chinese has no spaces, so a line may break between most two characters, but not everywhere:

- no line starts with closing punctuation (，。、；：？！）」』”’》〉】… and the like) and none
  ends with opening punctuation (（「『“‘《〈【); ``——`` and ``……`` stay whole;
- runs of Latin letters and digits stay whole (``10:30``, ``2026``, ``PySide6``); Latin words
  break at spaces; a number keeps its unit (``3点``, ``15日``), ``第`` its number;
- words of the screens' own vocabulary (:data:`VOCABULARY`: 支部, 党员, 书记, 会议, 学习…) are
  not split when the line can break elsewhere;
- the last line is never a single character (or one character and its punctuation): a word
  comes down from the line above;
- a page ends at a sentence end (。！？；) when the page is at least half full there, else at
  a clause end (，、：) when it is at least two thirds full, else where its last line ends;
  before a short last page (less than half a page) a quarter and a third full are enough,
  so that the last page holds a whole clause rather than a fragment of one; failing that, a
  last page holds at least a quarter of a page (words come over from the page before).

Word segmentation: a general segmenter (``jieba``) was measured and left out: about 85 MB of
resident memory and 0.6 s to load its dictionary on first use, against a screen whose whole
footprint is benchmarked, to improve a break that this small vocabulary and the rules above
already place well in the notices and citations the screens show. A word outside the
vocabulary can still be split where no better break is near; it is never split across a
rule above.

The measuring is left to the caller (:data:`FitEnd`), so Qt stays out of this module: the
caller says how much text from a given position fits on one line, the rules say where the
line actually ends. Only the lines asked for are measured, so a 20,000-character notice cut
to three lines costs as little as a short one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

FitEnd = Callable[[int, int], int]
"""``fit_end(start, stop)``: the end of the longest ``text[start:end]`` (``start < end <= stop``)
that fits on one line; spaces at its end may hang past the width. At least ``start + 1``."""

# Break classes, the higher the better: a line ends at the best class it can reach.
FORCED = 0  # breaks a rule: only when nothing else fits (a line one character wide)
IN_LATIN = 1  # inside a run of Latin letters or digits: only for a word longer than the line
IN_WORD = 2  # inside a known word, or between a number and its unit
ORDINARY = 3  # between two Chinese characters, after a space
CLAUSE = 4  # after ，、：
SENTENCE = 5  # after 。！？； (and the quotes or brackets that close the sentence)

CLOSING = frozenset(
    "，。、；：？！）」』”’》〉】〕〗〙〛｝］｠…—～·・‥〜ー々〻ゝゞヽヾ"
    "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
    ",.;:?!)]}%‰℃°′″"
)
OPENING = frozenset("（「『“‘《〈【〔〖〘〚｛［｟([{·")
SENTENCE_ENDS = frozenset("。！？；!?;")
CLAUSE_ENDS = frozenset("，、：,:")
CLOSING_QUOTES = frozenset("）」』”’》〉】〕〗〙〛｝］)]}\"'")
CONNECTORS = frozenset(".,:-/_@'&+#%")  # inside a Latin or number run: 3.5, 10:30, a-b, x@y
CJK_NUMERALS = frozenset("〇零一二两三四五六七八九十百千万亿")
UNITS = frozenset("年月日号时点分秒个人名位元角岁届次期周天页条项章节层楼室栋号%‰℃")
GLUE = frozenset("\u200d\u2060\ufeff")  # zero-width joiners: never break beside them

# The screens' vocabulary: words of party-building notices, honor-roll citations and meeting
# cards that a line should not split. Words, not compounds: 党员大会 is 党员 + 大会, and a
# line may break between the two (keeping compounds whole left narrow lines half empty).
VOCABULARY = frozenset(
    """
    党员 党委 党组 党支部 支部 总支 党总支 小组 党小组 书记 委员 委员会 支委 支委会 组织
    组织部 宣传 宣传部 纪委 纪检 监察 党建 党课 党日 主题 党费 党章 党史 党纪 党性 党风
    党旗 党徽 廉政 廉洁 入党 积极 分子 发展 对象 预备 正式 转正 共产党 中国 同志 群众
    干部 领导 班子 成员 代表 职工 居民 社区 街道 机关 单位 部门 基层 乡村 振兴 村民 村委
    乡亲 退休 在职 流动 会议 大会 三会一课 民主 生活 生活会 评议 谈心 谈话 学习 教育 培训
    讲座 讲话 精神 理论 思想 政治 文件 报告 传达 贯彻 落实 部署 开展 召开 举行 举办 参加
    出席 列席 主持 发言 讨论 交流 汇报 总结 考核 评选 表彰 先进 优秀 模范 先锋 示范 光荣
    荣誉 事迹 典型 榜样 党务 工作者 志愿 志愿者 服务 通知 公告 通报 请假 签到 报名 准时
    按时 提前 全体 各位 所有 务必 及时 时间 地点 地址 内容 要求 事项 注意 安排 活动
    活动室 会议室 办公室 会场 礼堂 大厅 阅览室 上午 下午 晚上 中午 今天 明天 后天 本周
    下周 上周 周一 周二 周三 周四 周五 周六 周日 星期 月份 年度 季度 期间 以前 之前 以后
    之后 截止 延期 取消 调整 变更 暂停 开放 关闭 恢复 检修 维修 停电 停水 线路 安全 防火
    消防 卫生 健康 防控 交纳 缴纳 收缴 标准 工作 任务 计划 方案 制度 规定 条例 办法 意见
    建议 情况 问题 联系 电话 咨询 负责 负责人 不能 不得 可以 需要 必须 应当 进行 携带
    佩戴 笔记本 统一 集合 出发 到达 返回 参观 考察 走访 慰问 看望 帮扶 困难 时代 特色
    社会 主义 马克思 毛泽东 邓小平 习近平 重要 论述 指示 批示 初心 使命 不忘 牢记 纪律
    作风 建设 全会 二十大 扎根 带领 修路 架桥 多年 感人 无私 奉献 默默 坚守 岗位 一线
    抗疫 抢险 救灾 脱贫 攻坚 致富 老人 孩子 学生 老师 医生 护士 工人 农民 网格 网格员
    党群 中心 红色 革命 历史 传统 文化 故事 课程 视频 观看 收看 在线 线上 线下 答题
    考试 积分 完成 提交 心得 平台 登录 手册 详见 谢谢 入座 准备 材料 名单 结果 公示
    """.split()
)
_LONGEST_WORD = max(len(word) for word in VOCABULARY)


def break_class(text: str, pos: int) -> int:
    """How good a line break is before ``text[pos]`` (0 < pos < len(text)): one of
    :data:`FORCED`, :data:`IN_LATIN`, :data:`IN_WORD`, :data:`ORDINARY`, :data:`CLAUSE`,
    :data:`SENTENCE`."""
    before, after = text[pos - 1], text[pos]
    if after.isspace():
        return FORCED  # break after the spaces instead: the next line starts with a word
    if after in CLOSING or before in OPENING or _glued(before, after):
        return FORCED
    if before.isspace():
        return _after_punctuation(text, pos - 1, ORDINARY)
    if _latin_run(text, pos):
        return IN_LATIN
    ending = _after_punctuation(text, pos, ORDINARY)
    if ending != ORDINARY:
        return ending
    if _number_with_unit(before, after) or _inside_word(text, pos):
        return IN_WORD
    return ORDINARY


def line_spans(
    text: str,
    fit_end: FitEnd,
    start: int = 0,
    stop: int | None = None,
    max_lines: int | None = None,
) -> list[tuple[int, int]]:
    """``(start, end)`` of each line of ``text[start:stop]``, at most ``max_lines`` of them.

    Lines may end and begin with spaces (strip them to draw). When the text ends within these
    lines, the last line holds at least two characters that are not punctuation if a word
    can come down from the line above.
    """
    stop = len(text) if stop is None else stop
    spans: list[tuple[int, int]] = []
    pos = _skip_spaces(text, start, stop)
    while pos < stop and (max_lines is None or len(spans) < max_lines):
        end = _line_end(text, pos, fit_end(pos, stop), stop)
        spans.append((pos, end))
        pos = _skip_spaces(text, end, stop)
    if pos >= stop:
        _pull_down(text, spans, fit_end, stop)
    return spans


def page_spans(text: str, fit_end: FitEnd, per_page: int) -> list[list[tuple[int, int]]]:
    """The lines of ``text`` cut into pages of at most ``per_page`` lines.

    A page starts where a line may (never inside a word, never with closing punctuation) and
    ends at a sentence end when the page is at least half full there, or at a clause end when
    it is at least two thirds full; the text after the last page break is never a lone
    character. Nothing is left out: the pages' spans cover the whole text.
    """
    per_page = max(1, per_page)
    pages: list[list[tuple[int, int]]] = []
    pos = _skip_spaces(text, 0, len(text))
    while pos < len(text):
        lines = line_spans(text, fit_end, pos, len(text), per_page)
        end = lines[-1][1]
        if _skip_spaces(text, end, len(text)) < len(text):  # more pages follow
            cut = _page_cut(text, pos, end)
            if cut != end:
                lines = line_spans(text, fit_end, pos, cut, per_page)
                end = cut
        pages.append(lines)
        pos = _skip_spaces(text, end, len(text))
    return pages


def content_length(text: str) -> int:
    """How many characters of ``text`` are neither spaces nor punctuation."""
    return sum(1 for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "P")


def _line_end(text: str, start: int, fit: int, stop: int) -> int:
    """Where the line from ``start`` ends, ``text[start:fit]`` being the most that fits."""
    fit = _skip_spaces(text, max(fit, start + 1), stop)  # spaces at the end of a line hang
    if fit >= stop:
        return stop
    fallback: dict[int, int] = {}
    for pos in range(fit, start, -1):
        grade = break_class(text, pos)
        if grade >= ORDINARY:
            if IN_WORD in fallback and (pos - start) * 2 < fit - start:
                return fallback[IN_WORD]  # a word would leave the line less than half full
            return pos
        fallback.setdefault(grade, pos)
    for grade in (IN_WORD, IN_LATIN):
        if grade in fallback:
            return fallback[grade]
    return fit


def _pull_down(text: str, spans: list[tuple[int, int]], fit_end: FitEnd, stop: int) -> None:
    """Bring a word down to a last line that would hold a single character."""
    if len(spans) < 2 or content_length(text[spans[-1][0] : stop]) >= 2:
        return
    (above, _), (last, end) = spans[-2], spans[-1]
    for grade in (ORDINARY, IN_WORD):  # between words if it can, else inside one
        for pos in range(last - 1, above, -1):
            if break_class(text, pos) < grade or content_length(text[pos:end]) < 2:
                continue
            if content_length(text[above:pos]) < 2 or fit_end(pos, stop) < _strip_end(
                text, pos, end
            ):
                break  # the line above would be left a lone character, or it does not fit
            spans[-2:] = [(above, pos), (pos, end)]
            return


def _page_cut(text: str, start: int, end: int) -> int:
    """Where a full page from ``start`` (its lines reaching ``end``) should end."""
    size = end - start
    fills = ((SENTENCE, 0.5), (CLAUSE, 0.67))
    if len(text) - end < size // 2:  # the last page would hold a fragment: a clause is better
        fills = ((SENTENCE, 0.25), (CLAUSE, 0.34))
    for grade, fill in fills:
        for pos in range(end, start, -1):
            if pos - start < size * fill:
                break
            after_mark = text[pos - 1] in CLOSING or text[pos - 1].isspace()
            if after_mark and break_class(text, pos) >= grade:  # cheap test first
                return pos
    want = max(2, size // 4)  # the last page: at least a quarter of a page, not a fragment
    if len(text) - end < size and content_length(text[end:]) < want:
        for pos in range(end - 1, start + size // 2, -1):
            if break_class(text, pos) >= ORDINARY and content_length(text[pos:]) >= want:
                return pos
    return end


def _skip_spaces(text: str, pos: int, stop: int) -> int:
    while pos < stop and text[pos].isspace():
        pos += 1
    return pos


def _strip_end(text: str, start: int, end: int) -> int:
    """``end`` less the spaces before it (the width that must fit)."""
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _after_punctuation(text: str, pos: int, otherwise: int) -> int:
    """:data:`SENTENCE` or :data:`CLAUSE` if ``text[:pos]`` ends a sentence or a clause
    (closing quotes and brackets after it count with it), else ``otherwise``."""
    index = pos - 1
    while index >= 0 and (text[index] in CLOSING_QUOTES or text[index].isspace()):
        index -= 1
    if index < 0:
        return otherwise
    mark = text[index]
    if mark in SENTENCE_ENDS:
        return SENTENCE
    if mark in CLAUSE_ENDS and not (mark in ",:" and _is_latin(text, index - 1)):
        return CLAUSE
    return otherwise


def _glued(before: str, after: str) -> bool:
    """True between a character and its combining mark, or beside a zero-width joiner."""
    return (
        before in GLUE
        or after in GLUE
        or unicodedata.category(after) in ("Mn", "Mc", "Me")
        or "\ufe00" <= after <= "\ufe0f"
    )


def _is_latin(text: str, index: int) -> bool:
    """True if ``text[index]`` is a letter or digit of a Latin (not Chinese) word or number."""
    if index < 0 or index >= len(text):
        return False
    ch = text[index]
    return ch.isdigit() or (ch.isalnum() and unicodedata.east_asian_width(ch) not in "WF")


def _latin_run(text: str, pos: int) -> bool:
    """True if ``pos`` lies inside a run of Latin letters and digits (connectors included:
    ``3.5``, ``10:30``, ``a-b``)."""
    before, after = text[pos - 1], text[pos]
    if _is_latin(text, pos - 1) and _is_latin(text, pos):
        return True
    if before in CONNECTORS and _is_latin(text, pos - 2) and _is_latin(text, pos):
        return True
    return after in CONNECTORS and _is_latin(text, pos - 1) and _is_latin(text, pos + 1)


def _number_with_unit(before: str, after: str) -> bool:
    """True between a number and its unit (3点, 十五日, 第3), or inside a Chinese numeral."""
    numeral = before.isdigit() or before in CJK_NUMERALS
    if numeral and (after in UNITS or after in CJK_NUMERALS):
        return True
    return before == "第" and (after.isdigit() or after in CJK_NUMERALS)


def _inside_word(text: str, pos: int) -> bool:
    """True if a word of :data:`VOCABULARY` spans ``pos`` (starts before it, ends after)."""
    for length in range(2, _LONGEST_WORD + 1):
        for start in range(max(0, pos - length + 1), pos):
            if text[start : start + length] in VOCABULARY:
                return True
    return False
