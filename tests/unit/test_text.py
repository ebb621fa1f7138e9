from storage.text import normalize


def test_normalize_folds_case_punctuation_and_spaces():
    assert normalize("  Hello,   WORLD! ") == "hello world"


def test_normalize_strips_hebrew_niqqud_and_final_letters_match():
    # "שָׁלוֹם" with niqqud; the final mem matches a regular mem.
    assert normalize("שָׁלוֹם") == normalize("שלום") == "שלומ"


def test_normalize_strips_arabic_harakat_tatweel_and_unifies_alef():
    assert normalize("مَرْحَبًا") == normalize("مرحبا")
    assert normalize("الحـــساب") == "الحساب"
    assert normalize("أحمد إلى آخر") == "احمد الي اخر"


def test_normalize_converts_arabic_indic_digits():
    assert normalize("٤٤٧١") == "4471"


def test_normalize_keeps_hebrew_acronyms_whole():
    assert normalize('צה"ל') == "צהל"
