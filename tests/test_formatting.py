"""One way to write each number, everywhere."""

from kfh_site.story import formatting as fmt


def test_ratio_is_written_one_to_n_with_a_thousands_separator():
    # No-break spaces keep "1 : 1,512" on one line; it reads as "1 : 1,512".
    assert fmt.ratio(1512.4) == "1\u00a0:\u00a01,512"
    assert fmt.ratio(1512.5).replace("\u00a0", " ") == "1 : 1,513"   # half up, as people round
    assert fmt.ratio(None) == "No qualified staff reported"


def test_wte_count_and_not_reported():
    assert fmt.wte(12.44) == "12.4\u00a0WTE"  # a no-break space: never split on a phone
    assert fmt.wte(12.45) == "12.5\u00a0WTE"
    assert fmt.wte(None) == "Not reported"
    assert fmt.count(3201) == "3,201"
    assert fmt.count(0) == "0"
    assert fmt.count(None) == "Not reported"


def test_changes_say_their_direction():
    assert fmt.signed(1.25, 1, "WTE") == "+1.3\u00a0WTE"
    assert fmt.signed(-0.4, 1, "WTE") == "\u22120.4\u00a0WTE"
    assert fmt.signed(0.01, 1, "WTE") == "no change"
    assert fmt.ratio_change(-38.2) == "38 fewer NHS staff per qualified member of staff, which is better"
    assert fmt.ratio_change(12) == "12 more NHS staff per qualified member of staff, which is worse"


def test_file_sizes_like_gov_uk_attachments():
    assert fmt.file_size(146_000) == "143 KB"
    assert fmt.file_size(900) == "900 bytes"
    assert fmt.file_size(2_500_000) == "2.4 MB"


def test_shares_round_half_up_like_every_other_figure():
    assert fmt.share(1, 8) == "13%"   # 12.5% -> 13%, not banker's 12%
    assert fmt.share(0, 0) == "0%"
    assert fmt.reported_by(212, 1247) == "212\u00a0of\u00a01,247"


def test_ordinals_and_ranks():
    assert [fmt.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112, 1001)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th", "112th",
        "1,001st"]


def test_status_words_are_lower_case_inside_a_sentence_and_peer_groups_plural():
    assert fmt.status_phrase("worse-than-2019-average") == "worse than the 2019 average"
    assert fmt.status_phrase("no-qualified-staff") == "no qualified staff reported"
    assert fmt.type_plural("Acute") == "acute trusts"
    assert fmt.type_plural("Integrated care board") == "integrated care boards"
    assert fmt.type_plural("Specialist") == "Specialist organisations"
    assert fmt.staff(1331554.3) == "1,331,554"


def test_a_median_keeps_its_number_with_its_word():
    # Seen at 390 px: a strip row's "median" ended one line and "1 : 1,642" began the next.
    assert fmt.median(1642) == "median\u00a01\u00a0:\u00a01,642"
    assert fmt.median(1642, "median organisation") == "median organisation\u00a01\u00a0:\u00a01,642"
