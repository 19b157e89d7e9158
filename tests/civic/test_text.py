"""The shared Chinese text module (civic.text): token sets, similarity, TF-IDF neighbours."""

from civic import text


def test_token_sets_compare_texts_about_the_same_problem():
    a = text.token_set("小区路灯坏了晚上很黑")
    b = text.token_set("路灯坏了，小区里晚上黑")
    c = text.token_set("出租车拒载乘客")
    assert {"路灯", "小区"} <= a
    assert text.jaccard(a, b) > text.jaccard(a, c)
    assert text.jaccard(a, set()) == 0.0
    assert text.jaccard(a, a) == 1.0


def test_tfidf_neighbours_find_near_duplicates_only():
    docs = [
        text.segment(text.normalise("小区路灯坏了晚上很黑")),
        text.segment(text.normalise("小区路灯坏了晚上很黑，请维修")),
        text.segment(text.normalise("出租车拒载乘客投诉")),
    ]
    matrix = text.tfidf_vectorizer().fit_transform(docs)
    neighbours = text.cosine_neighbours(matrix, threshold=0.5, chunk=2)
    assert [list(n) for n in neighbours] == [[1], [0], []]
