//! The core's small text and list helpers (written by hand to keep the standard library's
//! generic code out of the wasm build): each answers as the standard library would.

use crate::core::{push_json_string, split, split_once, splitn, take_at};

#[test]
fn json_strings_escape_quotes_backslashes_and_every_control_character() {
    let quoted = |text: &str| {
        let mut out = String::new();
        push_json_string(&mut out, text);
        out
    };
    assert_eq!(quoted("a\"b\\c"), r#""a\"b\\c""#);
    // Every control character as `\u00XX`, and nothing else escaped (a space, é, 𝄞).
    for c in (0u8..0x20).map(char::from) {
        let expected = ["\"\\u00", &format!("{:02x}", u32::from(c)), "\""].concat();
        assert_eq!(quoted(&c.to_string()), expected, "{:#x}", u32::from(c));
    }
    assert_eq!(quoted(" é𝄞\u{7f}"), "\" é𝄞\u{7f}\"");
    // What JSON reads back is the text given.
    let all: String = (0u8..0x80).map(char::from).chain(['é', '𝄞']).collect();
    let back: String = serde_json::from_str(&quoted(&all)).unwrap();
    assert_eq!(back, all);
}

#[test]
fn take_at_is_swap_remove_or_none_out_of_range() {
    let mut list = vec![1, 2, 3];
    assert_eq!(take_at(&mut list, 3), None);
    assert_eq!(take_at(&mut list, 0), Some(1));
    assert_eq!(list, [3, 2]);
    assert_eq!(take_at(&mut list, 1), Some(2));
    assert_eq!(take_at(&mut list, 1), None);
}

#[test]
fn splits_at_an_ascii_byte_answer_as_the_standard_library_does() {
    let texts = [
        "",
        ";",
        ";;",
        "a",
        "a;",
        ";a",
        "a;b",
        "a;;b",
        "é;𝄞;",
        "k=v; k2=v2",
        "\n\n1\nx\n",
        "=",
    ];
    for text in texts {
        for c in [';', '=', '\n'] {
            for n in [0, 1, 2, 3, 5, usize::MAX] {
                let ours: Vec<&str> = splitn(text, n, c).collect();
                let std: Vec<&str> = text.splitn(n, c).collect();
                assert_eq!(ours, std, "{text:?} splitn({n}, {c:?})");
            }
            assert_eq!(
                split(text, c).collect::<Vec<_>>(),
                text.split(c).collect::<Vec<_>>()
            );
            assert_eq!(
                split_once(text, c),
                text.split_once(c),
                "{text:?} split_once({c:?})"
            );
        }
    }
}
