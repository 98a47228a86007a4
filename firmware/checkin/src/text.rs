//! Error text as the scheduler keeps it: bounded and on one line.

/// Longest error text kept per check-in, in bytes; longer text is cut at a character
/// boundary and ends with `…`.
pub const ERROR_TEXT_MAX: usize = 256;

/// `text` on one line (control characters become spaces) and at most
/// [`ERROR_TEXT_MAX`] bytes.
pub(crate) fn bounded_error(text: &str) -> String {
    const ELLIPSIS: char = '…';
    let mut out = String::with_capacity(text.len().min(ERROR_TEXT_MAX));
    let mut cut = false;
    for c in text.trim().chars() {
        if out.len() + c.len_utf8() > ERROR_TEXT_MAX {
            cut = true;
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    if cut {
        while out.len() + ELLIPSIS.len_utf8() > ERROR_TEXT_MAX {
            out.pop();
        }
        out.push(ELLIPSIS);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_on_one_line() {
        assert_eq!(bounded_error(" 500\r\nInternal\tError "), "500  Internal Error");
    }

    #[test]
    fn long_text_is_cut_at_a_char_boundary_with_an_ellipsis() {
        let long = "é".repeat(ERROR_TEXT_MAX);
        let cut = bounded_error(&long);
        assert!(cut.len() <= ERROR_TEXT_MAX);
        assert!(cut.ends_with('…'));
        assert!(cut.starts_with("éé"));
    }

    #[test]
    fn text_of_exactly_the_limit_is_not_cut() {
        let exact = "x".repeat(ERROR_TEXT_MAX);
        assert_eq!(bounded_error(&exact), exact);
        let over = "x".repeat(ERROR_TEXT_MAX + 1);
        let cut = bounded_error(&over);
        assert_eq!(cut.len(), ERROR_TEXT_MAX);
        assert_eq!(cut.matches('x').count(), ERROR_TEXT_MAX - '…'.len_utf8());
        assert!(cut.ends_with('…'));
    }
}
