use super::{pairs, write_head};

fn head_text(headers: &[(String, String)]) -> Option<String> {
    let mut text = String::new();
    let names = write_head(&mut text, headers)?;
    assert_eq!(names as usize, pairs(&text).len(), "{text:?}");
    Some(text)
}

/// What `head_text` wrote before it stopped making a list of merged copies.
fn head_text_merged(headers: &[(String, String)]) -> Option<String> {
    let mut merged: Vec<(String, String)> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        if name.contains('\n') || value.contains('\n') {
            return None;
        }
        let name = name.to_ascii_lowercase();
        match merged.iter_mut().find(|(seen, _)| *seen == name) {
            Some((_, values)) => {
                values.push_str(", ");
                values.push_str(value);
            }
            None => merged.push((name, value.clone())),
        }
    }
    let mut text = String::new();
    for (name, value) in &merged {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(name);
        text.push('\n');
        text.push_str(value);
    }
    Some(text)
}

/// A small generator (xorshift), so that the cases are the same on every run.
struct Cases(u64);

impl Cases {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below as u64) as usize
    }

    fn text(&mut self, from: &[&str]) -> String {
        (0..self.next(3))
            .map(|_| from[self.next(from.len())])
            .collect()
    }
}

#[test]
fn head_text_writes_what_the_merged_list_wrote() {
    let names = [
        "Accept",
        "accept",
        "X-A",
        "x-a",
        "",
        "É",
        "content-type",
        "\n",
        "k",
    ];
    let values = ["", "a", "b, c", "é", " ", "\n", "v\nw", "application/json"];
    let mut cases = Cases(0x9e37_79b9_7f4a_7c15);
    let mut refused = 0;
    for _ in 0..5000 {
        let headers: Vec<(String, String)> = (0..cases.next(7))
            .map(|_| (cases.text(&names), cases.text(&values)))
            .collect();
        let written = head_text(&headers);
        assert_eq!(written, head_text_merged(&headers), "{headers:?}");
        refused += usize::from(written.is_none());
    }
    assert!(refused > 100 && refused < 4000, "{refused} refused");
}

#[test]
fn pairs_read_back_what_head_text_wrote() {
    let headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("x-a".to_owned(), "1".to_owned()),
        ("X-A".to_owned(), "2".to_owned()),
        ("empty".to_owned(), String::new()),
    ];
    let text = head_text(&headers).unwrap();
    assert_eq!(
        pairs(&text),
        vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("x-a".to_owned(), "1, 2".to_owned()),
            ("empty".to_owned(), String::new()),
        ]
    );
    assert!(pairs("").is_empty());
}
