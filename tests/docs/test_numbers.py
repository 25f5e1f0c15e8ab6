"""The body a sample's code writes vs the body it sent: can pass, and can fail."""

import json

from harness.docs.numbers import compare, literals, strip_comments

ROW = [0.0199132141783263, 0.0506801187398187, -0.0359677812752396]


def written(code: str, quotes=('"', "'"), line_comment="//", block=("/*", "*/")):
    return literals(strip_comments(code, quotes, line_comment, block))


def test_literals_in_order_with_signs_suffixes_and_lines():
    code = "item1.add(0.0199132141783263);\nx = {-0.0359677812752396, 1e-3, 2.5f, 10, 0x1F};\n"
    got = [(lit.text, lit.decimal, lit.line) for lit in written(code)]
    assert got == [
        ("0.0199132141783263", True, 0),
        ("-0.0359677812752396", True, 1),
        ("1e-3", True, 1),
        ("2.5", True, 1),
        ("10", False, 1),
    ]  # item1's 1 and 0x1F are not numbers


def test_rust_typed_floats_are_numbers():
    code = 'json!({"data": [[0.5_f64, 1.25f32, 2.5f64, 3_u8]]}); let a = 0.75fx;\n'
    assert [(lit.text, lit.value) for lit in written(code, quotes=('"',))] == [
        ("0.5", 0.5),
        ("1.25", 1.25),
        ("2.5", 2.5),
    ]  # 3_u8 and 0.75fx are not floats the body could hold


def test_comments_left_out_strings_kept():
    code = 'double x = 0.5; // predicts 217.67978776218715\n/* 3.14 */ s = "http://h/ 0.25";\n'
    assert [lit.value for lit in written(code)] == [0.5, 0.25]
    shell = "curl http://h/#frag -d '[1.5]' # 2.5 is a comment\n"
    assert [lit.value for lit in written(shell, line_comment="#", block=None)] == [1.5]


def test_same_numbers_pass_and_whole_numbers_elsewhere_are_allowed():
    code = "timeout = 30\ndata = {'data': [[0.0199132141783263, 0.0506801187398187, -0.0359677812752396]]}\nr[0]\n"
    check = compare("#1 body", written(code, line_comment="#", block=None), json.dumps({"data": [ROW]}), 100)
    assert check.ok, check.detail
    assert check.expected == "the 3 decimal numbers the sample's code writes, in order"


def test_rounded_number_fails_with_page_line_and_path():
    code = "row = [0.0199132141783263,\n       0.0506801187398187, -0.0359677812752396]\n"
    sent = json.dumps({"data": [[0.0199132141783263, 0.051, -0.0359677812752396]]})
    check = compare("#1 body", written(code, line_comment="#", block=None), sent, 40)
    assert not check.ok
    assert check.detail == "page line 41: the code writes 0.0506801187398187; received 0.051 at $.data[0][1]"


def test_missing_extra_and_reordered_numbers_fail():
    code = "[0.0199132141783263, 0.0506801187398187, -0.0359677812752396]"
    lits = written(code)
    missing = compare("b", lits, json.dumps({"data": [ROW[:2]]}), 1)
    assert not missing.ok and "the body has no more numbers" in missing.detail
    extra = compare("b", lits, json.dumps({"data": [ROW + [0.7]]}), 1)
    assert not extra.ok and "$.data[0][3]: sent 0.7, which the code does not write" in extra.detail
    swapped = compare("b", lits, json.dumps({"data": [[ROW[1], ROW[0], ROW[2]]]}), 1)
    assert not swapped.ok


def test_not_json_and_no_numbers():
    assert not compare("b", written("[0.5]"), "data=0.5", 1).ok
    nothing = compare("b", [], json.dumps({"data": [[1, 2]]}), 1)
    assert nothing.ok and "not compared" in nothing.expected
