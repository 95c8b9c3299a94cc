"""A field error names the field in the user's words, never by its internal name; ``field`` in
the error body still names the input for the form."""

from __future__ import annotations

from kernel.errors import field_label, invalid


def test_field_errors_speak_the_users_words():
    err = invalid("id_number", "到场或迟到须核对身份证号", "present or late needs the ID number from the card")
    assert err.field == "id_number" and err.status_code == 422
    assert err.message("zh") == "身份证号：到场或迟到须核对身份证号"
    assert err.message("en") == "ID number: present or late needs the ID number from the card"
    unnamed = invalid("lot_seed_x", "须为整数", "must be a whole number")
    assert unnamed.message("zh") == "须为整数" and unnamed.message("en") == "Must be a whole number"
    assert field_label("reason", "en") == "Reason" and field_label("nothing_here", "zh") == ""
