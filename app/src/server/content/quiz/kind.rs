//! The question types a quiz file may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Single,
    Multiple,
    TrueFalse,
    Text,
    Numeric,
}

impl Kind {
    pub(super) fn parse(name: &str) -> Option<Kind> {
        Some(match name {
            "single" => Kind::Single,
            "multiple" => Kind::Multiple,
            "truefalse" => Kind::TrueFalse,
            "text" => Kind::Text,
            "numeric" => Kind::Numeric,
            _ => return None,
        })
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Multiple => "multiple",
            Kind::TrueFalse => "truefalse",
            Kind::Text => "text",
            Kind::Numeric => "numeric",
        }
    }
}

pub(super) const TYPES: &str = "single, multiple, truefalse, text or numeric";
