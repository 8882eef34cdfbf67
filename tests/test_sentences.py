from qa.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def test_splits_plain_sentences_and_keeps_exact_spans() -> None:
    text = "The council voted. It was close!  Was it fair? Nobody knows."
    assert sentences(text) == [
        "The council voted.",
        "It was close!",
        "Was it fair?",
        "Nobody knows.",
    ]


def test_abbreviations_initials_and_acronyms_do_not_end_sentences() -> None:
    text = (
        "U.S. President Joe Biden met Gen. Mark Milley at 9 a.m. on Monday. "
        "J. R. Smith of Acme Inc. said no. Dr. Holm agreed."
    )
    assert sentences(text) == [
        "U.S. President Joe Biden met Gen. Mark Milley at 9 a.m. on Monday.",
        "J. R. Smith of Acme Inc. said no.",
        "Dr. Holm agreed.",
    ]


def test_closing_quotes_stay_with_their_sentence() -> None:
    text = 'He said, "We will not go back." Then he left. “Never,” she said.'
    assert sentences(text) == [
        'He said, "We will not go back."',
        "Then he left.",
        "“Never,” she said.",
    ]


def test_lower_case_after_a_period_does_not_start_a_sentence() -> None:
    assert sentences("It costs approx. three euros. Next.") == [
        "It costs approx. three euros.",
        "Next.",
    ]


def test_paragraphs_and_lines_are_boundaries_but_wrapped_lines_are_not() -> None:
    text = "Headline without a stop\n\nFirst paragraph goes\non here. Second one.\nA new line"
    assert sentences(text) == [
        "Headline without a stop",
        "First paragraph goes\non here.",
        "Second one.",
        "A new line",
    ]


def test_full_width_terminators_need_no_space() -> None:
    assert sentences("今天下雨。明天晴天！真的吗？") == ["今天下雨。", "明天晴天！", "真的吗？"]


def test_empty_and_blank_text_have_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\t ") == []


def test_text_without_punctuation_is_one_sentence() -> None:
    text = "no punctuation at all just words running on"
    assert sentences(text) == [text]


def test_cyrillic_sentences() -> None:
    text = "Кремль настаивает на своём. Украина не согласна."
    assert sentences(text) == ["Кремль настаивает на своём.", "Украина не согласна."]
