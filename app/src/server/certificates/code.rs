//! Verification codes: 80 random bits as 16 characters of Crockford's base 32, shown as
//! `XXXX-XXXX-XXXX-XXXX`. The alphabet has no I, L, O or U, and reading a code back
//! forgives case, spaces, dashes and the letters people mistake for digits.
use rand::RngCore;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const LENGTH: usize = 16;

/// A fresh code from the operating system's generator, stored form (no dashes).
pub fn generate() -> String {
    let mut bytes = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let bits = bytes
        .iter()
        .fold(0u128, |acc, &b| (acc << 8) | u128::from(b));
    (0..LENGTH)
        .rev()
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// The stored form of what someone typed, or `None` if it cannot be a code.
pub fn normalise(typed: &str) -> Option<String> {
    let mut code = String::with_capacity(LENGTH);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' | '\u{a0}' | '\t' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c if ALPHABET.contains(&(c as u8)) && c.is_ascii() => c,
            _ => return None,
        };
        code.push(c);
    }
    (code.len() == LENGTH).then_some(code)
}

/// `XXXX-XXXX-XXXX-XXXX`, as printed and shown.
pub fn display(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sixteen_unambiguous_characters() {
        for _ in 0..200 {
            let code = generate();
            assert_eq!(code.len(), LENGTH);
            assert!(!code.contains(['I', 'L', 'O', 'U']), "{code}");
            assert_eq!(normalise(&code).as_deref(), Some(code.as_str()));
        }
    }

    #[test]
    fn codes_differ() {
        let codes: std::collections::HashSet<String> = (0..1000).map(|_| generate()).collect();
        assert_eq!(codes.len(), 1000);
    }

    #[test]
    fn typed_codes_are_forgiven() {
        assert_eq!(
            normalise(" 7k3m-q9xa 0o1l-ABCD ").as_deref(),
            Some("7K3MQ9XA0011ABCD")
        );
        assert_eq!(display("7K3MQ9XA0011ABCD"), "7K3M-Q9XA-0011-ABCD");
    }

    #[test]
    fn non_codes_are_refused() {
        assert_eq!(normalise("7K3M-Q9XA"), None);
        assert_eq!(normalise("7K3M-Q9XA-0011-ABCD-1"), None);
        assert_eq!(normalise("7K3M-Q9XA-0011-ABCU"), None);
        assert_eq!(normalise("7K3M-Q9XA-0011-ABČD"), None);
        assert_eq!(normalise("../../etc/passwd"), None);
    }
}
